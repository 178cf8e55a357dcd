using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-sliding-window</c>: calls counted in time buckets over the last <see cref="Window"/> (Resilience4j's
/// time-based window); opens once at least <see cref="MinimumCalls"/> fall in the window and the failed share reaches
/// <see cref="FailureRatio"/>. Options <c>windowMilliseconds</c> (10..3600000, default 10000), <c>buckets</c> (1..1000, default
/// 10), <c>minimumCalls</c> (1..1000000, default 10), <c>failureRatio</c> (0.01..1, default 0.5), and those of
/// <see cref="CircuitBreakerOptionsBase"/>.
/// </summary>
public sealed class SlidingWindowCircuitBreakerOptions() : CircuitBreakerOptionsBase("sliding-window")
{
    /// <summary>The span of time the window covers. Default 10 seconds.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Buckets the window is cut into (its resolution). Default 10.</summary>
    public int Buckets { get; set; } = 10;

    /// <summary>Calls in the window before the ratio is considered. Default 10.</summary>
    public int MinimumCalls { get; set; } = 10;

    /// <summary>The failed share of the window that opens the circuit. Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    internal override IHealthWindow CreateWindow() => new TimeWindow(Window, Buckets, MinimumCalls, FailureRatio);

    internal static SlidingWindowCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new SlidingWindowCircuitBreakerOptions
        {
            Window = reader.Millis("windowMilliseconds", 10_000, 10, 3_600_000),
            Buckets = reader.Int("buckets", 10, 1, 1000),
            MinimumCalls = reader.Int("minimumCalls", 10, 1, 1_000_000),
            FailureRatio = reader.Double("failureRatio", 0.5, 0.01, 1),
        };
        options.ReadCommon(reader, host);
        return options;
    }
}
