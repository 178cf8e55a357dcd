using Kernel.Sdk.Resilience;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

/// <summary>
/// Manual control of breakers built from <c>plugins.json</c> entries: the option <c>control</c> names a control of the plugin's
/// <see cref="ICircuitControls"/>, through which the breaker is read, isolated and closed.
/// </summary>
public sealed class NamedControlTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CircuitControls _controls = new();

    private ResiliencePipeline Build(string type, params (string Key, object Value)[] options)
    {
        var strategy = (IResilienceStrategy)ResilienceCatalog.All(TestHost.Instance, _controls).Single(s => s.Name == "breaker-" + type);
        Assert.Empty(strategy.ValidateOptions(TestHost.Options(options)));
        return TestHost.Pipeline(strategy, _time, null, options);
    }

    [Theory]
    [MemberData(nameof(EveryBreakerTests.Types), MemberType = typeof(EveryBreakerTests))]
    public async Task Isolated_through_its_named_control_a_breaker_rejects_calls_and_closed_again_lets_them_through(string type)
    {
        var pipeline = Build(type, ("control", "peer-rpc"));
        ICircuitControls controls = _controls;
        var control = controls.Get("PEER-RPC");
        Assert.Equal(["peer-rpc"], controls.Names);
        Assert.Equal("peer-rpc", control.Name);
        pipeline.Succeed();
        Assert.Equal(CircuitState.Closed, control.State);

        await control.IsolateAsync();
        Assert.True(control.IsIsolated);
        Assert.Equal(CircuitState.Isolated, control.State);
        var rejected = pipeline.Rejected();
        Assert.Equal(CircuitState.Isolated, rejected.State);
        Assert.Equal("test[0]", rejected.Breaker);
        Assert.Equal(type, rejected.Type);
        Assert.NotNull(control.LastReason);

        await control.CloseAsync();
        Assert.False(control.IsIsolated);
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Succeed();
    }

    [Fact]
    public async Task A_breaker_built_while_its_control_is_isolated_starts_isolated_as_a_rebuilt_pipeline_would()
    {
        var control = _controls.Named("peer-rpc");
        await control.IsolateAsync();
        var first = Build("count-based", ("control", "peer-rpc"));
        first.Rejected();

        // A reload of plugins.json rebuilds the pipeline: the new breaker joins the same control, still isolated.
        var rebuilt = Build("count-based", ("control", "peer-rpc"), ("windowSize", 50));
        rebuilt.Rejected();

        await control.CloseAsync();
        first.Succeed();
        rebuilt.Succeed();
    }

    [Fact]
    public async Task Breakers_naming_different_controls_are_controlled_apart()
    {
        var a = Build("consecutive", ("control", "a"));
        var b = Build("consecutive", ("control", "b"));
        await _controls.Named("a").IsolateAsync();
        a.Rejected();
        b.Succeed();
        Assert.Equal(["a", "b"], _controls.Names);
    }

    [Fact]
    public void The_control_option_takes_one_name()
    {
        var strategy = (IResilienceStrategy)ResilienceCatalog.All(TestHost.Instance, _controls).Single(s => s.Name == "breaker-consecutive");
        var problem = Assert.Single(strategy.ValidateOptions(TestHost.Options(("control:0", "a"), ("control:1", "b"))));
        Assert.Contains("Option 'control' names 2 controls", problem, StringComparison.Ordinal);
    }
}
