using Kernel.Sdk.Plugins;

namespace UltimateResilience;

/// <summary>
/// The UltimateResilience plugin: registers its <c>resilience/...</c> strategies (circuit breakers, retries, timeouts,
/// hedging, fallback, chaos), each a Polly v8 strategy composed by name in the <c>resilience</c> section of <c>plugins.json</c>.
/// </summary>
public sealed class UltimateResiliencePlugin : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var strategy in ResilienceCatalog.All(context.Resilience))
        {
            context.Strategies.Add(strategy);
        }
    }
}
