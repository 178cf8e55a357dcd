using Kernel.Sdk.Strategies;
using Polly;

namespace UltimateResilience.Bulkhead;

/// <summary>
/// <c>resilience/bulkhead-priority</c>: at most <see cref="PermitLimit"/> calls at once and <see cref="QueueLimit"/> waiting;
/// a freed permit goes to the waiting call of highest priority (the earliest among equals). When the queue is full, a call of
/// higher priority than the lowest waiting one takes its place and the lowest is shed (rejected); otherwise the newcomer is
/// rejected. A call's priority is the context property <see cref="PriorityKey"/> (<c>resilience.priority</c>, an
/// <see cref="int"/>, higher first; absent: 0). Options <c>permitLimit</c> (1..100000, default 100), <c>queueLimit</c>
/// (0..100000, default 100).
/// </summary>
public sealed class PriorityBulkheadOptions : ResilienceStrategyOptions
{
    /// <summary>The context property holding a call's priority.</summary>
    public static ResiliencePropertyKey<int> PriorityKey { get; } = new("resilience.priority");

    /// <summary>Calls running at once. Default 100.</summary>
    public int PermitLimit { get; set; } = 100;

    /// <summary>Calls waiting for a permit. Default 100.</summary>
    public int QueueLimit { get; set; } = 100;

    internal static PriorityBulkheadOptions Read(OptionReader reader) => new()
    {
        PermitLimit = reader.Int("permitLimit", 100, 1, 100_000),
        QueueLimit = reader.Int("queueLimit", 100, 0, 100_000),
    };
}
