using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>The factory of the custom breakers: one per kind (<c>breaker-TYPE</c>), each reading its own options class.</summary>
internal sealed class CircuitBreakerStrategy<TOptions>(IResilienceHost host, string type, string description, Func<OptionReader, IResilienceHost, TOptions> read)
    : CustomStrategyFactory<TOptions>(host)
    where TOptions : CircuitBreakerOptionsBase
{
    public override string Name { get; } = "breaker-" + type;

    public override string Description => description;

    public override TOptions Read(OptionReader reader) => read(reader, Host);

    public override ResilienceStrategy Create(StrategyBuilderContext context, TOptions options) =>
        ResilienceBuilderExtensions.Breaker(context, options);
}
