using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// <c>resilience/breaker-failure-ratio</c>: Polly's own circuit breaker (failure ratio over a sampling duration with a minimum
/// throughput). Options <c>failureRatio</c> (0.01..1, default 0.1), <c>minimumThroughput</c> (2..100000, default 100),
/// <c>samplingMilliseconds</c> (500..86400000, default 30000), <c>breakMilliseconds</c> (500..86400000, default 5000),
/// <c>handle</c> (default <c>any</c>): Polly's defaults.
/// </summary>
public sealed class FailureRatioCircuitBreakerOptions : ResilienceStrategyOptions
{
    /// <summary>The failed share of the sampled calls that opens the circuit. Default 0.1.</summary>
    public double FailureRatio { get; set; } = 0.1;

    /// <summary>Calls in the sampling duration before the ratio is considered. Default 100.</summary>
    public int MinimumThroughput { get; set; } = 100;

    /// <summary>The span sampled. Default 30 seconds.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open. Default 5 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What counts as a failure. Default (null): every exception but <see cref="OperationCanceledException"/>.</summary>
    public ResiliencePredicate? Handle { get; set; }

    internal static FailureRatioCircuitBreakerOptions Read(OptionReader reader, IResilienceHost host) => new()
    {
        FailureRatio = reader.Double("failureRatio", 0.1, 0.01, 1),
        MinimumThroughput = reader.Int("minimumThroughput", 100, 2, 100_000),
        SamplingDuration = reader.Millis("samplingMilliseconds", 30_000, 500, 86_400_000),
        BreakDuration = reader.Millis("breakMilliseconds", 5000, 500, 86_400_000),
        Handle = host.ReadPredicate(reader, "handle", "any"),
    };
}
