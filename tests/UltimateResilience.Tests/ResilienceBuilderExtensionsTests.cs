using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;
using UltimateResilience.Bulkhead;
using UltimateResilience.CircuitBreaker;
using UltimateResilience.Retry;
using UltimateResilience.Timeout;

namespace UltimateResilience.Tests;

/// <summary>
/// An application's use of the custom strategies: Polly.Extensions' <c>AddResiliencePipeline</c> with the plugin's builder
/// extensions and typed options, resolved from the container's <see cref="ResiliencePipelineProvider{TKey}"/>; telemetry
/// through Polly's (its meter), time from the container's <see cref="TimeProvider"/>.
/// </summary>
public sealed class ResilienceBuilderExtensionsTests
{
    [Fact]
    public void A_pipeline_registered_in_the_container_runs_the_custom_strategies_and_reports_through_pollys_meter()
    {
        var time = new FakeTimeProvider();
        var control = new CircuitControl("orders");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddResiliencePipeline("orders", (builder, _) => builder
            .AddCascadingTimeout(new CascadingTimeoutOptions { Timeout = TimeSpan.FromSeconds(2) })
            .AddPartitionedBulkhead(new PartitionedBulkheadOptions { Limit = 10, Partitions = [("live", 0.7), ("batch", 0.3)] })
            .AddBudgetedRetry(
                new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero, ShouldHandle = new PredicateBuilder().Handle<IOException>() },
                new RetryBudgetOptions { Ratio = 0.5, MinimumCalls = 100 })
            .AddCountBasedCircuitBreaker(new CountBasedCircuitBreakerOptions { WindowSize = 3, MinimumCalls = 3, FailureRatio = 1, Control = control }));
        using var provider = services.BuildServiceProvider();

        var events = new List<string>();
        using var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Polly" && instrument.Name == "resilience.polly.strategy.events")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<int>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "event.name")
                {
                    lock (events)
                    {
                        events.Add((string)tag.Value!);
                    }
                }
            }
        });
        meter.Start();

        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");

        // The deadline is set for the call, on the container's clock.
        DateTimeOffset? deadline = null;
        var context = ResilienceContextPool.Shared.Get();
        pipeline.Execute(ctx => deadline = ctx.Properties.GetValue(CascadingTimeoutOptions.DeadlineKey, null)?.Value, context);
        ResilienceContextPool.Shared.Return(context);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(2), deadline);

        // One failing call tried three times (two retries within the budget) opens the breaker: three failures of three.
        var attempts = 0;
        Assert.Throws<IOException>(() => pipeline.Execute(() =>
        {
            attempts++;
            throw new IOException("down");
        }));
        Assert.Equal(3, attempts);
        Assert.Equal(CircuitState.Open, control.State);
        var rejected = Assert.Throws<CircuitRejectedException>(() => pipeline.Execute(() => attempts++));
        Assert.Equal(3, attempts);
        Assert.Equal("count-based", rejected.Type);

        // Polly's meter saw the retries and the breaker's opening (reported by the custom strategy through Polly's telemetry).
        meter.RecordObservableInstruments();
        lock (events)
        {
            Assert.Equal(2, events.Count(e => e == "OnRetry"));
            Assert.Contains("OnCircuitOpened", events);
        }
    }

    [Fact]
    public async Task The_cascading_timeout_added_in_code_times_out_at_the_deadline_as_pollys_timeout()
    {
        var time = new FakeTimeProvider();
        var log = new EventLog();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time, TelemetryListener = log }
            .AddCascadingTimeout(new CascadingTimeoutOptions { Name = "outer", Timeout = TimeSpan.FromSeconds(1) })
            .Build();
        var running = pipeline.ExecuteAsync(async ct => await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct)).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var timedOut = await Assert.ThrowsAsync<TimeoutRejectedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(1), timedOut.Timeout);
        Assert.IsAssignableFrom<OperationCanceledException>(timedOut.InnerException);
        Assert.Contains("OnTimeout", log.Events);
    }

    [Fact]
    public async Task A_caller_cancelling_is_a_cancellation_not_a_timeout()
    {
        var time = new FakeTimeProvider();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCascadingTimeout(new CascadingTimeoutOptions { Timeout = TimeSpan.FromSeconds(1) })
            .Build();
        using var caller = new CancellationTokenSource();
        var running = pipeline.ExecuteAsync(async ct => await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct), caller.Token).AsTask();
        await caller.CancelAsync();
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsNotType<TimeoutRejectedException>(cancelled);
    }

    [Fact]
    public async Task Every_custom_strategy_has_an_extension_on_a_pipeline_for_results_too()
    {
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = new FakeTimeProvider() }
            .AddCascadingTimeout(new CascadingTimeoutOptions())
            .AddPriorityBulkhead(new PriorityBulkheadOptions())
            .AddPartitionedBulkhead(new PartitionedBulkheadOptions())
            .AddAdaptiveBulkhead(new AdaptiveBulkheadOptions())
            .AddBudgetedRetry(new RetryStrategyOptions<int>(), new RetryBudgetOptions())
            .AddAdaptiveTimeout(new AdaptiveTimeoutOptions())
            .AddConsecutiveCircuitBreaker(new ConsecutiveCircuitBreakerOptions())
            .AddCountBasedCircuitBreaker(new CountBasedCircuitBreakerOptions())
            .AddSlidingWindowCircuitBreaker(new SlidingWindowCircuitBreakerOptions())
            .AddGradualRecoveryCircuitBreaker(new GradualRecoveryCircuitBreakerOptions())
            .AddAdaptiveCircuitBreaker(new AdaptiveCircuitBreakerOptions())
            .Build();
        Assert.Equal(7, pipeline.Execute(static () => 7));

        // The thread-pool bulkhead's workers end when the pipeline is disposed: the registry's pipelines are.
        await using var registry = new ResiliencePipelineRegistry<string>();
        var threads = registry.GetOrAddPipeline<int>("threads", b => b.AddThreadPoolBulkhead(new ThreadPoolBulkheadOptions { Threads = 1 }));
        Assert.Equal(3, await threads.ExecuteAsync(static _ => ValueTask.FromResult(3)));
    }
}
