using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
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

    protected override void Add(ResiliencePipelineBuilder builder, AdaptiveTimeoutOptions options) => builder.AddAdaptiveTimeout(options);

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, AdaptiveTimeoutOptions options) => builder.AddAdaptiveTimeout(options);
}
