using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-count-based</c>: the outcomes of the last <see cref="WindowSize"/> calls (Resilience4j's count-based
/// window); opens once at least <see cref="MinimumCalls"/> are recorded and the failed share reaches <see cref="FailureRatio"/>.
/// Options <c>windowSize</c> (1..100000, default 100), <c>minimumCalls</c> (1..100000, default 10, at most <c>windowSize</c>),
/// <c>failureRatio</c> (0.01..1, default 0.5), and those of <see cref="CircuitBreakerOptionsBase"/>.
/// </summary>
public sealed class CountBasedCircuitBreakerOptions() : CircuitBreakerOptionsBase("count-based")
{
    /// <summary>How many of the latest calls are remembered. Default 100.</summary>
    public int WindowSize { get; set; } = 100;

    /// <summary>Calls recorded before the ratio is considered. Default 10.</summary>
    public int MinimumCalls { get; set; } = 10;

    /// <summary>The failed share of the window that opens the circuit. Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    internal override IHealthWindow CreateWindow() => new CountWindow(WindowSize, MinimumCalls, FailureRatio);

    internal static CountBasedCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new CountBasedCircuitBreakerOptions();
        (options.WindowSize, options.MinimumCalls, options.FailureRatio) = ReadCountWindow(reader);
        options.ReadCommon(reader, host);
        return options;
    }

    /// <summary><c>windowSize</c>, <c>minimumCalls</c> and <c>failureRatio</c>, shared with the breakers built on a count window.</summary>
    internal static (int Size, int MinimumCalls, double Ratio) ReadCountWindow(OptionReader reader)
    {
        var size = reader.Int("windowSize", 100, 1, 100_000);
        var minimum = reader.Int("minimumCalls", 10, 1, 100_000);
        var ratio = reader.Double("failureRatio", 0.5, 0.01, 1);
        if (minimum > size)
        {
            reader.Fail($"Option 'minimumCalls' is {minimum}; it must be at most 'windowSize' ({size}).");
        }

        return (size, minimum, ratio);
    }
}
