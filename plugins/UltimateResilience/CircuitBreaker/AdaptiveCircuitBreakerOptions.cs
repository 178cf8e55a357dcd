using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-adaptive</c>: a count window whose failure ratio is scaled by latency: while the moving average of call
/// durations L is above <see cref="TargetLatency"/> T, the circuit opens at <c>failureRatio * max(minimumScale, T / L)</c>,
/// so a dependency that fails and slows down is shed sooner. Options <c>targetLatencyMilliseconds</c> (1..3600000, default
/// 100), <c>minimumScale</c> (0.01..1, default 0.2), <c>smoothing</c> (0.001..1, default 0.1: the moving average's weight of
/// the newest call), and those of <see cref="CountWindowCircuitBreakerOptions"/>.
/// </summary>
public sealed class AdaptiveCircuitBreakerOptions() : CountWindowCircuitBreakerOptions("adaptive")
{
    /// <summary>The latency at or under which the ratio is not scaled. Default 100 ms.</summary>
    public TimeSpan TargetLatency { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The smallest scale of the ratio however slow calls get. Default 0.2.</summary>
    public double MinimumScale { get; set; } = 0.2;

    /// <summary>The weight of the newest call in the moving average latency. Default 0.1.</summary>
    public double Smoothing { get; set; } = 0.1;

    internal override IHealthWindow CreateWindow() => new AdaptiveWindow(WindowSize, MinimumCalls, FailureRatio, TargetLatency, MinimumScale, Smoothing);

    internal static AdaptiveCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new AdaptiveCircuitBreakerOptions
        {
            TargetLatency = reader.Millis("targetLatencyMilliseconds", 100, 1, 3_600_000),
            MinimumScale = reader.Double("minimumScale", 0.2, 0.01, 1),
            Smoothing = reader.Double("smoothing", 0.1, 0.001, 1),
        };
        options.ReadCountWindow(reader, host);
        return options;
    }
}
