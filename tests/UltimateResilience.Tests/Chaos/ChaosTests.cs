using Kernel.Sdk.Resilience;
using Microsoft.Extensions.Time.Testing;
using Polly;
using UltimateResilience.Chaos;

namespace UltimateResilience.Tests.Chaos;

public sealed class ChaosTests
{
    private static ChaosStrategy Chaos(string kind) => TestHost.Strategy<ChaosStrategy>("chaos-" + kind);

    private static List<bool> Injected(ResiliencePipeline pipeline, int calls) =>
        [.. Enumerable.Range(0, calls).Select(_ => Record.Exception(() => pipeline.Execute(static () => { })) is IOException)];

    [Fact]
    public void A_seeded_fault_injects_the_same_calls_every_run_at_about_the_rate()
    {
        var time = new FakeTimeProvider();
        var first = Injected(TestHost.Pipeline(Chaos("fault"), time, null, ("injectionRate", 0.3), ("seed", 42)), 1000);
        var second = Injected(TestHost.Pipeline(Chaos("fault"), time, null, ("injectionRate", 0.3), ("seed", 42)), 1000);
        var other = Injected(TestHost.Pipeline(Chaos("fault"), time, null, ("injectionRate", 0.3), ("seed", 43)), 1000);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.InRange(first.Count(i => i), 200, 400);
    }

    [Fact]
    public void A_disabled_or_zero_rate_strategy_injects_nothing_and_a_fault_kind_is_chosen_by_name()
    {
        var time = new FakeTimeProvider();
        Assert.DoesNotContain(true, Injected(TestHost.Pipeline(Chaos("fault"), time, null, ("injectionRate", 1), ("enabled", false)), 100));
        Assert.DoesNotContain(true, Injected(TestHost.Pipeline(Chaos("fault"), time, null, ("injectionRate", 0)), 100));
        var timeout = TestHost.Pipeline(Chaos("fault"), time, null, ("injectionRate", 1), ("fault", "timeout"), ("message", "boom"));
        Assert.Equal("boom", Assert.Throws<TimeoutException>(() => timeout.Execute(static () => { })).Message);
    }

    [Fact]
    public async Task Latency_is_injected_on_the_pipeline_clock()
    {
        var time = new FakeTimeProvider();
        var pipeline = TestHost.Pipeline(Chaos("latency"), time, null, ("injectionRate", 1), ("latencyMilliseconds", 1000));
        var ran = false;
        var running = pipeline.ExecuteAsync(_ =>
        {
            ran = true;
            return default;
        }).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(ran);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(ran);
    }

    [Fact]
    public void An_outcome_is_injected_for_results_only_and_a_behavior_runs_before_the_call()
    {
        Assert.True(Chaos("outcome").ResultsOnly);
        var builder = new ResiliencePipelineBuilder<int>();
        Chaos("outcome").AddTo(builder, TestHost.Entry(("injectionRate", 1), ("value", "5")));
        Assert.Equal(5, builder.Build().Execute(static () => 1));

        var cancel = TestHost.Pipeline(Chaos("behavior"), TimeProvider.System, null, ("injectionRate", 1), ("behavior", "cancel"));
        Assert.Throws<OperationCanceledException>(() => cancel.Execute(static () => { }));
    }

    [Fact]
    public void An_unknown_fault_kind_is_an_error_naming_the_allowed_ones()
    {
        var error = Assert.Single(Chaos("fault").ValidateOptions(TestHost.Options(("fault", "gremlins"))));
        Assert.Contains("fault", error, StringComparison.Ordinal);
        Assert.Contains("invalid-operation", error, StringComparison.Ordinal);
    }
}
