using Kernel.Sdk.Strategies;
using Polly;

namespace UltimateResilience.Bulkhead;

/// <summary>
/// <c>resilience/bulkhead-semaphore</c>: Polly's concurrency limiter (System.Threading.RateLimiting's): at most
/// <see cref="PermitLimit"/> calls at once, <see cref="QueueLimit"/> more waiting in arrival order, the rest rejected with
/// Polly's <c>RateLimiterRejectedException</c>. Options <c>permitLimit</c> (1..100000, default 1000: Polly's), <c>queueLimit</c>
/// (0..100000, default 0).
/// </summary>
public sealed class SemaphoreBulkheadOptions : ResilienceStrategyOptions
{
    /// <summary>Calls running at once. Default 1000.</summary>
    public int PermitLimit { get; set; } = 1000;

    /// <summary>Calls waiting for a permit. Default 0.</summary>
    public int QueueLimit { get; set; }

    internal static SemaphoreBulkheadOptions Read(OptionReader reader) => new()
    {
        PermitLimit = reader.Int("permitLimit", 1000, 1, 100_000),
        QueueLimit = reader.Int("queueLimit", 0, 0, 100_000),
    };
}
