using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using UltimateResilience.Bulkhead;
using UltimateResilience.Chaos;
using UltimateResilience.CircuitBreaker;
using UltimateResilience.Fallback;
using UltimateResilience.Hedging;
using UltimateResilience.Retry;
using UltimateResilience.Timeout;

namespace UltimateResilience;

/// <summary>Every strategy of the plugin, by family.</summary>
internal static class ResilienceCatalog
{
    public static IReadOnlyList<IStrategy> All(IResilienceHost host) => All(host, new CircuitControls());

    /// <summary>Every strategy; the custom breakers join the controls of <paramref name="controls"/> their options name.</summary>
    public static IReadOnlyList<IStrategy> All(IResilienceHost host, CircuitControls controls) =>
    [
        new FailureRatioCircuitBreakerStrategy(host),
        new CircuitBreakerStrategy<ConsecutiveCircuitBreakerOptions>(host, controls, "consecutive",
            "Circuit breaker opening after N failures in a row; slow calls, half-open permits, backoff, manual control", ConsecutiveCircuitBreakerOptions.Read),
        new CircuitBreakerStrategy<CountBasedCircuitBreakerOptions>(host, controls, "count-based",
            "Circuit breaker over the last N calls with a minimum of calls; slow calls, half-open permits, backoff, manual control", CountBasedCircuitBreakerOptions.Read),
        new CircuitBreakerStrategy<SlidingWindowCircuitBreakerOptions>(host, controls, "sliding-window",
            "Circuit breaker over time buckets of the last window; slow calls, half-open permits, backoff, manual control", SlidingWindowCircuitBreakerOptions.Read),
        new CircuitBreakerStrategy<GradualRecoveryCircuitBreakerOptions>(host, controls, "gradual-recovery",
            "Circuit breaker whose half-open state admits a growing share of calls", GradualRecoveryCircuitBreakerOptions.Read),
        new CircuitBreakerStrategy<AdaptiveCircuitBreakerOptions>(host, controls, "adaptive",
            "Circuit breaker whose failure ratio is scaled down while latency is above a target", AdaptiveCircuitBreakerOptions.Read),
        new SemaphoreBulkheadStrategy(host),
        new PartitionedBulkheadStrategy(host),
        new PriorityBulkheadStrategy(host),
        new AdaptiveBulkheadStrategy(host),
        new ThreadPoolBulkheadStrategy(host),
        new RetryStrategy(host, RetryKind.Exponential),
        new RetryStrategy(host, RetryKind.DecorrelatedJitter),
        new RetryStrategy(host, RetryKind.Fixed),
        new SimpleTimeoutStrategy(host),
        new CascadingTimeoutStrategy(host),
        new AdaptiveTimeoutStrategy(host),
        new HedgingStrategy(host),
        new FallbackStrategy(host),
        new ChaosStrategy(host, ChaosKind.Fault),
        new ChaosStrategy(host, ChaosKind.Latency),
        new ChaosStrategy(host, ChaosKind.Outcome),
        new ChaosStrategy(host, ChaosKind.Behavior),
    ];
}
