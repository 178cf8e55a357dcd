using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-count-based</c>: the outcomes of the last <see cref="CountWindowCircuitBreakerOptions.WindowSize"/>
/// calls (Resilience4j's count-based window); opens once at least <see cref="CountWindowCircuitBreakerOptions.MinimumCalls"/>
/// are recorded and the failed share reaches <see cref="CountWindowCircuitBreakerOptions.FailureRatio"/>. Options: those of
/// <see cref="CountWindowCircuitBreakerOptions"/>.
/// </summary>
public sealed class CountBasedCircuitBreakerOptions() : CountWindowCircuitBreakerOptions("count-based")
{
    internal override IHealthWindow CreateWindow() => new CountWindow(WindowSize, MinimumCalls, FailureRatio);

    internal static CountBasedCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new CountBasedCircuitBreakerOptions();
        options.ReadCountWindow(reader, host);
        return options;
    }
}
