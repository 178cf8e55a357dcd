using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Timeout;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary><c>resilience/timeout-simple</c>: Polly's <c>AddTimeout</c>.</summary>
internal sealed class SimpleTimeoutStrategy(IResilienceHost host) : ResilienceFactory<SimpleTimeoutOptions>(host)
{
    public override string Name => "timeout-simple";

    public override string Description => "Polly's timeout: cancels a call that runs longer than timeoutMilliseconds";

    public override SimpleTimeoutOptions Read(OptionReader reader) => SimpleTimeoutOptions.Read(reader);

    protected override void Add(ResiliencePipelineBuilder builder, SimpleTimeoutOptions options) => builder.AddTimeout(Polly(options));

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, SimpleTimeoutOptions options) => builder.AddTimeout(Polly(options));

    private static TimeoutStrategyOptions Polly(SimpleTimeoutOptions options) => new() { Name = options.Name, Timeout = options.Timeout };
}
