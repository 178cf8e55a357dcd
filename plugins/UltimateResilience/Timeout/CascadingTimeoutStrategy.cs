using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// <c>resilience/timeout-cascading</c>: one custom strategy that carries the deadline and times the call out at it (see
/// <see cref="CascadingTimeoutResilienceStrategy"/>).
/// </summary>
internal sealed class CascadingTimeoutStrategy(IResilienceHost host) : CustomStrategyFactory<CascadingTimeoutOptions>(host)
{
    public override string Name => "timeout-cascading";

    public override string Description => "A deadline in the resilience context: nested calls get the remaining budget, a spent budget is rejected before the call";

    public override CascadingTimeoutOptions Read(OptionReader reader) => CascadingTimeoutOptions.Read(reader);

    public override ResilienceStrategy Create(StrategyBuilderContext context, CascadingTimeoutOptions options) =>
        ResilienceBuilderExtensions.Cascading(context, options);
}
