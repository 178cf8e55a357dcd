using Polly;
using Polly.Retry;
using Polly.Timeout;
using UltimateResilience.Bulkhead;
using UltimateResilience.CircuitBreaker;
using UltimateResilience.Retry;
using UltimateResilience.Timeout;

namespace UltimateResilience;

/// <summary>
/// The plugin's custom strategies for code that builds its own pipelines, in Polly's shape: on a
/// <see cref="ResiliencePipelineBuilder"/> or a <see cref="ResiliencePipelineBuilder{TResult}"/>, and so in
/// <c>services.AddResiliencePipeline("name", (builder, context) => builder.AddCountBasedCircuitBreaker(new() { ... }))</c> of
/// Polly.Extensions or Microsoft.Extensions.Resilience. Each adds the strategy <c>plugins.json</c> names
/// <c>resilience/...</c>, with the same options class (its documentation lists the options and defaults), timed with the
/// builder's <c>TimeProvider</c> and reporting through the builder's telemetry (Polly's metering and logging, enrichment).
/// Options set in code are taken as they are: the ranges <c>plugins.json</c> enforces are documented on each option.
/// </summary>
public static class ResilienceBuilderExtensions
{
    /// <summary>Adds <c>resilience/breaker-consecutive</c>: opens after <see cref="ConsecutiveCircuitBreakerOptions.FailureThreshold"/> failures in a row.</summary>
    public static TBuilder AddConsecutiveCircuitBreaker<TBuilder>(this TBuilder builder, ConsecutiveCircuitBreakerOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCircuitBreakerCore(options);

    /// <summary>Adds <c>resilience/breaker-count-based</c>: opens on the failed share of the last <see cref="CountWindowCircuitBreakerOptions.WindowSize"/> calls.</summary>
    public static TBuilder AddCountBasedCircuitBreaker<TBuilder>(this TBuilder builder, CountBasedCircuitBreakerOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCircuitBreakerCore(options);

    /// <summary>Adds <c>resilience/breaker-sliding-window</c>: opens on the failed share of the calls of the last <see cref="SlidingWindowCircuitBreakerOptions.Window"/>.</summary>
    public static TBuilder AddSlidingWindowCircuitBreaker<TBuilder>(this TBuilder builder, SlidingWindowCircuitBreakerOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCircuitBreakerCore(options);

    /// <summary>Adds <c>resilience/breaker-gradual-recovery</c>: as count-based, its half-open state admitting a growing share of calls.</summary>
    public static TBuilder AddGradualRecoveryCircuitBreaker<TBuilder>(this TBuilder builder, GradualRecoveryCircuitBreakerOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCircuitBreakerCore(options);

    /// <summary>Adds <c>resilience/breaker-adaptive</c>: as count-based, its failure ratio scaled down while latency is above a target.</summary>
    public static TBuilder AddAdaptiveCircuitBreaker<TBuilder>(this TBuilder builder, AdaptiveCircuitBreakerOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCircuitBreakerCore(options);

    /// <summary>Adds <c>resilience/bulkhead-partitioned</c>: a total limit shared by partitions (context property <see cref="PartitionedBulkheadOptions.PartitionKey"/>).</summary>
    public static TBuilder AddPartitionedBulkhead<TBuilder>(this TBuilder builder, PartitionedBulkheadOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCustom(options, Partitioned);

    /// <summary>Adds <c>resilience/bulkhead-priority</c>: a limit and a queue ordered by priority (context property <see cref="PriorityBulkheadOptions.PriorityKey"/>).</summary>
    public static TBuilder AddPriorityBulkhead<TBuilder>(this TBuilder builder, PriorityBulkheadOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCustom(options, Priority);

    /// <summary>Adds <c>resilience/bulkhead-adaptive</c>: a concurrency limit moved by measured latency (AIMD, Vegas or Gradient2).</summary>
    public static TBuilder AddAdaptiveBulkhead<TBuilder>(this TBuilder builder, AdaptiveBulkheadOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCustom(options, Adaptive);

    /// <summary>Adds <c>resilience/bulkhead-thread-pool</c>: dedicated worker threads and a queue for blocking work.</summary>
    public static TBuilder AddThreadPoolBulkhead<TBuilder>(this TBuilder builder, ThreadPoolBulkheadOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCustom(options, ThreadPool);

    /// <summary>Adds <c>resilience/timeout-cascading</c>: a deadline in the context (<see cref="CascadingTimeoutOptions.DeadlineKey"/>) that nested pipelines inherit.</summary>
    public static TBuilder AddCascadingTimeout<TBuilder>(this TBuilder builder, CascadingTimeoutOptions options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCustom(options, Cascading);

    /// <summary>Adds <c>resilience/timeout-adaptive</c>: Polly's timeout at a percentile of recent latencies times a factor, within bounds.</summary>
    public static TBuilder AddAdaptiveTimeout<TBuilder>(this TBuilder builder, AdaptiveTimeoutOptions options)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var window = new LatencyWindow(options);
        return builder
            .AddStrategy(context => new LatencyRecordingStrategy(window, context.TimeProvider), options)
            .AddTimeout(new TimeoutStrategyOptions
            {
                Name = options.Name,
                Timeout = options.MaxTimeout,
                TimeoutGenerator = _ => new ValueTask<TimeSpan>(window.Timeout),
            });
    }

    /// <summary>
    /// Adds Polly's retry with <paramref name="options"/> (its own <c>ShouldHandle</c>, backoff and events) held to a retry
    /// <paramref name="budget"/>: over the budget's window, retries at most its ratio of the calls once it has seen its minimum
    /// of calls; a retry the budget refuses is not made. One budget per call of this method (so per build of a registered
    /// pipeline), on the builder's <c>TimeProvider</c> as set when this is called (the system clock when none is).
    /// <paramref name="options"/> is copied, not changed.
    /// </summary>
    public static ResiliencePipelineBuilder AddBudgetedRetry(this ResiliencePipelineBuilder builder, RetryStrategyOptions options, RetryBudgetOptions budget)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);
        var copy = RetryBudget.Copy<RetryStrategyOptions, object>(options);
        RetryBudget.Apply(copy, new RetryBudget(budget, builder.TimeProvider ?? TimeProvider.System));
        return builder.AddRetry(copy);
    }

    /// <summary>
    /// Adds Polly's retry for results with <paramref name="options"/> held to a retry <paramref name="budget"/> (see
    /// <see cref="AddBudgetedRetry(ResiliencePipelineBuilder, RetryStrategyOptions, RetryBudgetOptions)"/>).
    /// </summary>
    public static ResiliencePipelineBuilder<TResult> AddBudgetedRetry<TResult>(this ResiliencePipelineBuilder<TResult> builder, RetryStrategyOptions<TResult> options, RetryBudgetOptions budget)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);
        var copy = RetryBudget.Copy<RetryStrategyOptions<TResult>, TResult>(options);
        RetryBudget.Apply(copy, new RetryBudget(budget, builder.TimeProvider ?? TimeProvider.System));
        return builder.AddRetry(copy);
    }

    // What each custom strategy is made of, for one build of a pipeline: here and in the plugin's factories.
    internal static ResilienceStrategy Breaker(StrategyBuilderContext context, CircuitBreakerOptionsBase options) =>
        new CircuitBreakerResilienceStrategy(options, context.TimeProvider, context.Telemetry);

    internal static ResilienceStrategy Partitioned(StrategyBuilderContext context, PartitionedBulkheadOptions options) =>
        new PartitionedBulkhead(options, context.Telemetry);

    internal static ResilienceStrategy Priority(StrategyBuilderContext context, PriorityBulkheadOptions options) =>
        new PriorityBulkhead(options, context.Telemetry);

    internal static ResilienceStrategy Adaptive(StrategyBuilderContext context, AdaptiveBulkheadOptions options) =>
        new AdaptiveBulkhead(options, context.TimeProvider, context.Telemetry);

    internal static ResilienceStrategy ThreadPool(StrategyBuilderContext context, ThreadPoolBulkheadOptions options) =>
        new ThreadPoolBulkhead(options, context.Telemetry);

    internal static ResilienceStrategy Cascading(StrategyBuilderContext context, CascadingTimeoutOptions options)
    {
        CascadingTimeoutResilienceStrategy.EnsureAvailable();
        return new CascadingTimeoutResilienceStrategy(options.Timeout, options.Name ?? "timeout-cascading", context.TimeProvider, context.Telemetry);
    }

    private static TBuilder AddCircuitBreakerCore<TBuilder>(this TBuilder builder, CircuitBreakerOptionsBase options)
        where TBuilder : ResiliencePipelineBuilderBase => builder.AddCustom(options, Breaker);

    private static TBuilder AddCustom<TBuilder, TOptions>(this TBuilder builder, TOptions options, Func<StrategyBuilderContext, TOptions, ResilienceStrategy> create)
        where TBuilder : ResiliencePipelineBuilderBase
        where TOptions : ResilienceStrategyOptions
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.AddStrategy(context => create(context, options), options);
    }
}
