using Kernel.Sdk.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Kernel.Tests.Resilience;

/// <summary>
/// A five-strategy pipeline of the UltimateResilience plugin declared in plugins.json, checked, built by the kernel and executed:
/// a cascading timeout, a priority bulkhead, a decorrelated-jitter retry with a budget, a count-based breaker and chaos.
/// </summary>
public sealed class UltimateResiliencePipelineTests
{
    private const string Config = """
        {
          "resilience": {
            "pipelines": {
              "peer-rpc": {
                "strategies": [
                  { "strategy": "resilience/timeout-cascading", "options": { "timeoutMilliseconds": 60000 } },
                  { "strategy": "bulkhead-priority", "options": { "permitLimit": 10, "queueLimit": 10 } },
                  { "strategy": "retry-decorrelated-jitter", "options": { "maxRetryAttempts": 2, "delayMilliseconds": 0, "seed": 7, "budgetRatio": 0.5, "budgetMinimumCalls": 100 } },
                  { "strategy": "breaker-count-based", "options": { "windowSize": 6, "minimumCalls": 6, "failureRatio": 1, "breakMilliseconds": 60000 } },
                  { "strategy": "chaos-fault", "options": { "injectionRate": 0, "seed": 1 } }
                ]
              },
              "capped": { "strategies": [ { "strategy": "bulkhead-semaphore", "options": { "permitLimit": 1 } } ] }
            }
          }
        }
        """;

    [Fact]
    public async Task The_kernel_builds_the_pipeline_from_plugin_strategies_and_it_retries_then_breaks()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateResilience");
        await using var runtime = folder.CreateRuntime(Config);
        runtime.Start();

        var status = Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "peer-rpc");
        Assert.Empty(status.Problems);
        Assert.Equal(
            ["resilience/timeout-cascading", "resilience/bulkhead-priority", "resilience/retry-decorrelated-jitter", "resilience/breaker-count-based", "resilience/chaos-fault"],
            status.Entries.Select(e => e.Strategy));

        var pipeline = runtime.Resilience.Provider.GetPipeline("peer-rpc");
        Assert.Equal(5, pipeline.Execute(static () => 5));

        // Two failing calls, each tried three times (transient): six failures in a row open the breaker, which the retry
        // does not retry (an open circuit is not transient).
        var attempts = 0;
        for (var i = 0; i < 2; i++)
        {
            Assert.Throws<TimeoutException>(() => pipeline.Execute(() =>
            {
                attempts++;
                throw new TimeoutException("peer down");
            }));
        }

        Assert.Equal(6, attempts);
        var rejected = Assert.ThrowsAny<BrokenCircuitException>(() => pipeline.Execute(() => attempts++));
        Assert.Equal("CircuitRejectedException", rejected.GetType().Name);
        Assert.Contains("peer-rpc[3]", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(6, attempts);
        Assert.IsNotType<TimeoutRejectedException>(rejected);
    }

    [Fact]
    public async Task A_breaker_of_a_configured_pipeline_is_isolated_and_closed_through_its_named_control_from_the_plugin_services()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateResilience");
        await using var runtime = folder.CreateRuntime("""
            { "resilience": { "pipelines": { "peer-rpc": { "strategies": [
              { "strategy": "breaker-consecutive", "options": { "failureThreshold": 3, "control": "peer-rpc-breaker" } } ] } } } }
            """);
        runtime.Start();

        var controls = Assert.IsAssignableFrom<ICircuitControls>(runtime.Services.GetService(typeof(ICircuitControls)));
        var control = controls.Get("peer-rpc-breaker");
        var pipeline = runtime.Resilience.Provider.GetPipeline("peer-rpc");
        Assert.Equal(1, pipeline.Execute(static () => 1));
        Assert.Equal(CircuitState.Closed, control.State);

        await control.IsolateAsync();
        Assert.Equal(CircuitState.Isolated, control.State);
        var rejected = Assert.ThrowsAny<BrokenCircuitException>(() => pipeline.Execute(static () => 1));
        Assert.Equal("CircuitRejectedException", rejected.GetType().Name);
        Assert.Contains("peer-rpc[0]", rejected.Message, StringComparison.Ordinal);

        await control.CloseAsync();
        Assert.Equal(CircuitState.Closed, control.State);
        Assert.Equal(2, pipeline.Execute(static () => 2));
    }

    [Fact]
    public async Task Pollys_concurrency_limiter_loads_from_the_plugin_folder_and_limits()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateResilience");
        await using var runtime = folder.CreateRuntime(Config);
        runtime.Start();

        var pipeline = runtime.Resilience.Provider.GetPipeline("capped");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = pipeline.ExecuteAsync(async _ => await gate.Task).AsTask();
        var rejected = await Assert.ThrowsAnyAsync<ExecutionRejectedException>(() => pipeline.ExecuteAsync(static _ => default).AsTask());
        Assert.Equal("RateLimiterRejectedException", rejected.GetType().Name);
        gate.SetResult();
        await running;
    }

    [Fact]
    public async Task Bad_options_of_a_plugin_strategy_are_reported_with_the_entry_and_the_allowed_range()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateResilience");
        await using var runtime = folder.CreateRuntime("""
            { "resilience": { "pipelines": { "bad": { "strategies": [ { "strategy": "breaker-consecutive", "options": { "failureThreshold": 0 } } ] } } } }
            """);
        var problem = Assert.Throws<Kernel.Host.Configuration.ConfigurationException>(runtime.Start).Message;
        Assert.Contains(
            "plugins.json line 1: resilience.pipelines.bad.strategies[0] (resilience/breaker-consecutive).options: Option 'failureThreshold' is 0; allowed range 1..10000.",
            problem,
            StringComparison.Ordinal);
    }
}
