using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.Zab;

/// <summary>
/// ZAB's options, read from the strategy's <c>options</c> section; every time is counted in ticks
/// (<see cref="Kernel.Sdk.Consensus.IConsensusNode.Tick"/>), as ZooKeeper counts <c>initLimit</c> and <c>syncLimit</c> in
/// <c>tickTime</c>s. What a tick is in wall time, and when to snapshot, are the runtime's settings.
/// </summary>
internal sealed record ZabOptions
{
    public const int DefaultSyncLimitTicks = 10;
    public const int DefaultInitLimitTicks = 20;
    public const int DefaultHeartbeatIntervalTicks = 2;
    public const int DefaultNotificationIntervalTicks = 3;
    public const int DefaultFinalizeWaitTicks = 2;
    public const int DefaultMaxBatchEntries = 1024;
    public const int DefaultMaxInflightEntries = 4096;

    /// <summary>
    /// ZooKeeper's syncLimit: a follower that hears nothing from its leader for this long, and a leader that has not heard
    /// from a quorum of synced followers for this long, go back to leader election.
    /// </summary>
    public int SyncLimitTicks { get; init; } = DefaultSyncLimitTicks;

    /// <summary>ZooKeeper's initLimit: how long discovery and synchronization may take before the node gives up and looks again.</summary>
    public int InitLimitTicks { get; init; } = DefaultInitLimitTicks;

    /// <summary>Ticks between a leader's pings (which carry the commit index), and between retransmissions of unanswered messages.</summary>
    public int HeartbeatIntervalTicks { get; init; } = DefaultHeartbeatIntervalTicks;

    /// <summary>Ticks between two sends of a looking node's election notification.</summary>
    public int NotificationIntervalTicks { get; init; } = DefaultNotificationIntervalTicks;

    /// <summary>
    /// Fast leader election's finalize wait: once a quorum agrees on its vote a looking node waits this many ticks for a
    /// better vote before it decides.
    /// </summary>
    public int FinalizeWaitTicks { get; init; } = DefaultFinalizeWaitTicks;

    /// <summary>Upper bound of the entries of one proposal message (and of a retransmission).</summary>
    public int MaxBatchEntries { get; init; } = DefaultMaxBatchEntries;

    /// <summary>Proposals a leader keeps unacknowledged in flight to one follower.</summary>
    public int MaxInflightEntries { get; init; } = DefaultMaxInflightEntries;

    /// <summary>A deliberately broken variant, for tests that show the checkers catch it; never set from configuration.</summary>
    public ZabBreak Break { get; init; }

    /// <summary>Reads and validates the options; <paramref name="errors"/> lists every problem (empty when valid).</summary>
    public static ZabOptions Read(IConfiguration section, out IReadOnlyList<string> errors)
    {
        var r = new OptionReader(section);
        var options = new ZabOptions
        {
            SyncLimitTicks = r.Int("syncLimitTicks", DefaultSyncLimitTicks, 2, 1_000_000),
            InitLimitTicks = r.Int("initLimitTicks", DefaultInitLimitTicks, 2, 1_000_000),
            HeartbeatIntervalTicks = r.Int("heartbeatIntervalTicks", DefaultHeartbeatIntervalTicks, 1, 999_999),
            NotificationIntervalTicks = r.Int("notificationIntervalTicks", DefaultNotificationIntervalTicks, 1, 1_000_000),
            FinalizeWaitTicks = r.Int("finalizeWaitTicks", DefaultFinalizeWaitTicks, 0, 1_000_000),
            MaxBatchEntries = r.Int("maxBatchEntries", DefaultMaxBatchEntries, 1, 1_000_000),
            MaxInflightEntries = r.Int("maxInflightEntries", DefaultMaxInflightEntries, 1, 1_000_000),
        };

        if (options.HeartbeatIntervalTicks >= options.SyncLimitTicks)
        {
            r.Fail($"Option 'heartbeatIntervalTicks' ({options.HeartbeatIntervalTicks}) must be less than 'syncLimitTicks' ({options.SyncLimitTicks}).");
        }

        if (options.InitLimitTicks < options.SyncLimitTicks)
        {
            r.Fail($"Option 'initLimitTicks' ({options.InitLimitTicks}) must be at least 'syncLimitTicks' ({options.SyncLimitTicks}).");
        }

        r.RejectUnknown();
        errors = r.Errors;
        return options;
    }

    /// <summary>Reads the options, throwing <see cref="StrategyOptionsException"/> listing every problem.</summary>
    public static ZabOptions ReadValid(IConfiguration section)
    {
        var options = Read(section, out var errors);
        if (errors.Count > 0)
        {
            throw new StrategyOptionsException(errors);
        }

        return options;
    }
}

/// <summary>The deliberately broken variants of ZAB that the tests show the checkers catch.</summary>
internal enum ZabBreak
{
    /// <summary>The real protocol.</summary>
    None,

    /// <summary>The leader commits its initial history once a quorum agreed on the epoch, before a quorum acknowledged NEWLEADER.</summary>
    CommitBeforeNewLeaderQuorum,

    /// <summary>A follower synchronizing with a new leader keeps its own uncommitted proposals of old epochs instead of truncating them.</summary>
    FollowerKeepsStaleProposals,

    /// <summary>The leader proposes the largest accepted epoch of its quorum as the new epoch, not one greater.</summary>
    EpochNotGreater,
}
