using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-gradual-recovery</c>: opens as <c>count-based</c> does, but the half-open circuit admits a growing share
/// of calls: <c>1/rampSteps</c> of them at first, one step more after each <see cref="SuccessesPerStep"/> successes, closed after
/// the last step; any failure opens it again. Options <c>rampSteps</c> (2..100, default 4), <c>successesPerStep</c> (1..10000,
/// default 5), and those of <see cref="CountWindowCircuitBreakerOptions"/> (<c>halfOpenPermits</c> is not used: the ramp decides).
/// </summary>
public sealed class GradualRecoveryCircuitBreakerOptions() : CountWindowCircuitBreakerOptions("gradual-recovery")
{
    /// <summary>Steps of the ramp; step k of n admits k/n of the calls. Default 4 (25%, 50%, 75%, 100%).</summary>
    public int RampSteps { get; set; } = 4;

    /// <summary>Successes that move the ramp one step up. Default 5.</summary>
    public int SuccessesPerStep { get; set; } = 5;

    internal override (int Steps, int SuccessesPerStep) Ramp => (RampSteps, SuccessesPerStep);

    internal override IHealthWindow CreateWindow() => new CountWindow(WindowSize, MinimumCalls, FailureRatio);

    internal static GradualRecoveryCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new GradualRecoveryCircuitBreakerOptions
        {
            RampSteps = reader.Int("rampSteps", 4, 2, 100),
            SuccessesPerStep = reader.Int("successesPerStep", 5, 1, 10_000),
        };
        options.ReadCountWindow(reader, host);
        return options;
    }
}
