using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Timeout;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// <c>resilience/timeout-adaptive</c>: the latency recorder, then Polly's timeout whose generator returns the window's current
/// timeout. One window per build of the pipeline.
/// </summary>
internal sealed class AdaptiveTimeoutStrategy(IResilienceHost host) : ResilienceFactory<AdaptiveTimeoutOptions>(host)
{
    public override string Name => "timeout-adaptive";

    public override string Description => "Polly's timeout at a percentile of recent latencies times a factor, within bounds";

    public override AdaptiveTimeoutOptions Read(OptionReader reader) => AdaptiveTimeoutOptions.Read(reader);

    protected override void Add(ResiliencePipelineBuilder builder, AdaptiveTimeoutOptions options)
    {
        var window = new LatencyWindow(options);
        builder.AddStrategy(context => new LatencyRecordingStrategy(window, context.TimeProvider), options).AddTimeout(Polly(options, window));
    }

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, AdaptiveTimeoutOptions options)
    {
        var window = new LatencyWindow(options);
        builder.AddStrategy(context => new LatencyRecordingStrategy(window, context.TimeProvider), options).AddTimeout(Polly(options, window));
    }

    private static TimeoutStrategyOptions Polly(AdaptiveTimeoutOptions options, LatencyWindow window) => new()
    {
        Name = options.Name,
        Timeout = options.MaxTimeout,
        TimeoutGenerator = _ => new ValueTask<TimeSpan>(window.Timeout),
    };
}
