using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.Async;

/// <summary>What the primary of <c>replication/async</c> does when its shipping queue is full.</summary>
public enum OverflowPolicy
{
    /// <summary>
    /// Drop the oldest queued entries from memory; a backup that still needed them is brought up to date later from the
    /// primary's store on disk (every key changed since what it acknowledged). Writes go on; nothing is lost.
    /// </summary>
    Spill,

    /// <summary>Refuse new writes, with the lagging backup named, until the queue has room.</summary>
    Reject,

    /// <summary>Hold new writes unanswered (at most <see cref="AsyncOptions.MaxPendingRequests"/>) until the queue has room; beyond that, refuse.</summary>
    Block,
}

/// <summary>The options of <c>replication/async</c>. Times are in ticks (the runtime's tick length).</summary>
public sealed class AsyncOptions
{
    /// <summary>The primary's node id; 0 (the default): the lowest id of the group.</summary>
    public int Primary { get; init; }

    /// <summary>How many written entries the primary keeps queued for backups that have not acknowledged them. Default 10,000.</summary>
    public int MaxQueueEntries { get; init; } = 10_000;

    /// <summary>What happens when the queue is full. Default <see cref="OverflowPolicy.Spill"/>.</summary>
    public OverflowPolicy Overflow { get; init; } = OverflowPolicy.Spill;

    /// <summary>How many entries one shipment carries at most. Default 256.</summary>
    public int MaxBatchEntries { get; init; } = 256;

    /// <summary>How often shipments and catch-ups not acknowledged are sent again. Default 10.</summary>
    public int ResendIntervalTicks { get; init; } = 10;

    /// <summary>How long a backup waits for the primary's answer to a forwarded request before it gives up (the outcome stays unknown). Default 100.</summary>
    public int ForwardTimeoutTicks { get; init; } = 100;

    /// <summary>How many requests a replica holds at once (forwarded, or blocked by a full queue); beyond it requests are refused. Default 1,024.</summary>
    public int MaxPendingRequests { get; init; } = 1024;

    internal static AsyncOptions Read(OptionReader r) => new()
    {
        Primary = r.Int("primary", 0, 0, int.MaxValue),
        MaxQueueEntries = r.Int("maxQueueEntries", 10_000, 1, 100_000_000),
        Overflow = r.OneOf("overflow", "spill", "spill", "reject", "block") switch
        {
            "reject" => OverflowPolicy.Reject,
            "block" => OverflowPolicy.Block,
            _ => OverflowPolicy.Spill,
        },
        MaxBatchEntries = r.Int("maxBatchEntries", 256, 1, 1_000_000),
        ResendIntervalTicks = r.Int("resendIntervalTicks", 10, 1, 1_000_000),
        ForwardTimeoutTicks = r.Int("forwardTimeoutTicks", 100, 1, 1_000_000),
        MaxPendingRequests = r.Int("maxPendingRequests", 1024, 1, 1_000_000),
    };

    internal static AsyncOptions Bind(IConfiguration options) => OptionReader.Bind(options, Read);
}
