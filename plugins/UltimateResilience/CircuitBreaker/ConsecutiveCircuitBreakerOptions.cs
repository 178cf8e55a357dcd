using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-consecutive</c>: opens after <see cref="FailureThreshold"/> failures in a row (Polly v7's classic
/// breaker, dropped in v8). Option <c>failureThreshold</c> (1..10000, default 5), and those of <see cref="CircuitBreakerOptionsBase"/>.
/// </summary>
public sealed class ConsecutiveCircuitBreakerOptions() : CircuitBreakerOptionsBase("consecutive")
{
    /// <summary>Failures in a row that open the circuit. Default 5.</summary>
    public int FailureThreshold { get; set; } = 5;

    internal override IHealthWindow CreateWindow() => new ConsecutiveWindow(FailureThreshold);

    internal static ConsecutiveCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new ConsecutiveCircuitBreakerOptions { FailureThreshold = reader.Int("failureThreshold", 5, 1, 10_000) };
        options.ReadCommon(reader, host);
        return options;
    }
}
