using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// The factory of the custom breakers: one per kind (<c>breaker-TYPE</c>), each reading its own options class, and the option
/// every custom breaker shares in <c>plugins.json</c>, <c>control</c> (a name; default none): the breaker joins the plugin's
/// <see cref="CircuitControl"/> of that name (<see cref="ICircuitControls"/>), through which it is isolated, closed and read.
/// </summary>
internal sealed class CircuitBreakerStrategy<TOptions>(IResilienceHost host, CircuitControls controls, string type, string description, Func<OptionReader, IResilienceHost, TOptions> read)
    : CustomStrategyFactory<TOptions>(host)
    where TOptions : CircuitBreakerOptionsBase
{
    public override string Name { get; } = "breaker-" + type;

    public override string Description => description;

    public override TOptions Read(OptionReader reader)
    {
        var options = read(reader, Host);
        var control = reader.Strings("control", []);
        if (control.Count > 1)
        {
            reader.Fail($"Option 'control' names {control.Count} controls; it takes one name (\"control\": \"peer-rpc\").");
        }
        else if (control.Count == 1)
        {
            options.Control = controls.Named(control[0]);
        }

        return options;
    }

    public override ResilienceStrategy Create(StrategyBuilderContext context, TOptions options) =>
        ResilienceBuilderExtensions.Breaker(context, options);
}
