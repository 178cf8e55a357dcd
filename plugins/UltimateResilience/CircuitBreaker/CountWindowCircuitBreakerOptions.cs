using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// The breakers that remember the last calls in a count window (<c>count-based</c>, <c>gradual-recovery</c>, <c>adaptive</c>):
/// options <c>windowSize</c> (1..100000, default 100), <c>minimumCalls</c> (1..100000, default 10, at most <c>windowSize</c>),
/// <c>failureRatio</c> (0.01..1, default 0.5), and those of <see cref="CircuitBreakerOptionsBase"/>.
/// </summary>
public abstract class CountWindowCircuitBreakerOptions : CircuitBreakerOptionsBase
{
    private protected CountWindowCircuitBreakerOptions(string type)
        : base(type)
    {
    }

    /// <summary>How many of the latest calls are remembered. Default 100.</summary>
    public int WindowSize { get; set; } = 100;

    /// <summary>Calls recorded before the ratio is considered. Default 10.</summary>
    public int MinimumCalls { get; set; } = 10;

    /// <summary>The failed share of the window that opens the circuit. Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Reads the count window's options and those every breaker shares.</summary>
    internal void ReadCountWindow(OptionReader reader, IResilienceHost host)
    {
        WindowSize = reader.Int("windowSize", 100, 1, 100_000);
        MinimumCalls = reader.Int("minimumCalls", 10, 1, 100_000);
        FailureRatio = reader.Double("failureRatio", 0.5, 0.01, 1);
        if (MinimumCalls > WindowSize)
        {
            reader.Fail($"Option 'minimumCalls' is {MinimumCalls}; it must be at most 'windowSize' ({WindowSize}).");
        }

        ReadCommon(reader, host);
    }
}
