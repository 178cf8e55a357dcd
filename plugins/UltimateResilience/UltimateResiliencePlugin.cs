using Kernel.Sdk.Plugins;
using Kernel.Sdk.Resilience;
using Microsoft.Extensions.DependencyInjection;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience;

/// <summary>
/// The UltimateResilience plugin: registers its <c>resilience/...</c> strategies (circuit breakers, retries, timeouts,
/// hedging, fallback, chaos), each a Polly v8 strategy composed by name in the <c>resilience</c> section of <c>plugins.json</c>,
/// and offers the host the circuit controls its breakers name (<see cref="ICircuitControls"/>, in the plugin's services).
/// </summary>
public sealed class UltimateResiliencePlugin : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var controls = new CircuitControls();
        context.Services.AddSingleton<ICircuitControls>(controls);
        foreach (var strategy in ResilienceCatalog.All(context.Resilience, controls))
        {
            context.Strategies.Add(strategy);
        }
    }
}
