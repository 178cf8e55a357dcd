using Kernel.Sdk.Strategies;
using Polly;

namespace UltimateResilience.Bulkhead;

/// <summary>
/// <c>resilience/bulkhead-thread-pool</c>: calls run on <see cref="Threads"/> dedicated threads of their own, with
/// <see cref="QueueLimit"/> more waiting; the rest are rejected. For blocking work that must not starve the shared thread pool
/// (Hystrix's thread-pool isolation). The threads start with the first call and end when the pipeline is disposed. Options <c>threads</c> (1..256, default
/// 4), <c>queueLimit</c> (0..100000, default 100).
/// </summary>
public sealed class ThreadPoolBulkheadOptions : ResilienceStrategyOptions
{
    /// <summary>Dedicated worker threads. Default 4.</summary>
    public int Threads { get; set; } = 4;

    /// <summary>Calls waiting for a worker. Default 100.</summary>
    public int QueueLimit { get; set; } = 100;

    internal static ThreadPoolBulkheadOptions Read(OptionReader reader) => new()
    {
        Threads = reader.Int("threads", 4, 1, 256),
        QueueLimit = reader.Int("queueLimit", 100, 0, 100_000),
    };
}
