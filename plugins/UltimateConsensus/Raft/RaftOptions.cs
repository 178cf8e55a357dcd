using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.Raft;

/// <summary>
/// Raft's options, read from the strategy's <c>options</c> section. Every time is counted in ticks
/// (<see cref="Kernel.Sdk.Consensus.IConsensusNode.Tick"/>). What a tick is in wall time, and when to snapshot, are the
/// runtime's settings (the node runtime's tick and the <see cref="Kernel.Sdk.Runtime.ReadyDriverOptions"/>), not Raft's.
/// </summary>
internal sealed record RaftOptions
{
    public const int DefaultElectionTimeoutMinTicks = 10;
    public const int DefaultElectionTimeoutMaxTicks = 20;
    public const int DefaultHeartbeatIntervalTicks = 2;
    public const int DefaultMaxInflightAppends = 64;
    public const int DefaultMaxBytesPerMessage = 1 << 20;
    public const int DefaultMaxBatchEntries = 1024;
    public const int DefaultLearnerCatchUpEntries = 64;
    public const long DefaultMaxUncommittedBytes = 64L << 20;
    public const long DefaultMaxCommittedBytesPerReady = 64L << 20;
    public const long MaxByteLimit = 1L << 40;

    /// <summary>Lower bound (inclusive) of the randomized election timeout.</summary>
    public int ElectionTimeoutMinTicks { get; init; } = DefaultElectionTimeoutMinTicks;

    /// <summary>Upper bound (exclusive) of the randomized election timeout.</summary>
    public int ElectionTimeoutMaxTicks { get; init; } = DefaultElectionTimeoutMaxTicks;

    /// <summary>Ticks between two heartbeat rounds of a leader; less than the election timeout.</summary>
    public int HeartbeatIntervalTicks { get; init; } = DefaultHeartbeatIntervalTicks;

    /// <summary>Append messages a leader keeps in flight to one follower in replicate state.</summary>
    public int MaxInflightAppends { get; init; } = DefaultMaxInflightAppends;

    /// <summary>Upper bound of the entry bytes of one append message (one entry larger than this still goes alone).</summary>
    public int MaxBytesPerMessage { get; init; } = DefaultMaxBytesPerMessage;

    /// <summary>Upper bound of the entries of one append message.</summary>
    public int MaxBatchEntries { get; init; } = DefaultMaxBatchEntries;

    /// <summary>
    /// Upper bound of the payload bytes of the entries a leader has appended but not yet committed (etcd's
    /// MaxUncommittedEntriesSize): a proposal that would pass it is refused. An empty entry, and a proposal made when
    /// nothing is uncommitted, are always accepted.
    /// </summary>
    public long MaxUncommittedBytes { get; init; } = DefaultMaxUncommittedBytes;

    /// <summary>
    /// Upper bound of the bytes (as <see cref="Kernel.Sdk.Consensus.LogEntry.Size"/> counts them) of the committed entries one
    /// <see cref="Kernel.Sdk.Consensus.Ready"/> hands out for applying (etcd's MaxCommittedSizePerReady); at least one entry
    /// always goes out, the rest follow in later Readies.
    /// </summary>
    public long MaxCommittedBytesPerReady { get; init; } = DefaultMaxCommittedBytesPerReady;

    /// <summary>Runs a pre-vote round before an election, so a node that was partitioned away does not disrupt the cluster.</summary>
    public bool PreVote { get; init; } = true;

    /// <summary>A leader steps down when it has not heard from a quorum within an election timeout; followers with a live leader ignore votes.</summary>
    public bool CheckQuorum { get; init; } = true;

    /// <summary>
    /// Serves reads from a leader lease without a heartbeat round. Safe only under bounded clock drift: the lease lasts
    /// <c>electionTimeoutMinTicks - 1</c> ticks from the sending of a heartbeat round a quorum acknowledged, and voters
    /// refuse votes for <c>electionTimeoutMinTicks</c> of their own ticks after hearing from the leader. Needs checkQuorum.
    /// </summary>
    public bool LeaseReads { get; init; }

    /// <summary>How far behind the leader's last index a learner may be for <c>AddVoter</c> to promote it.</summary>
    public int LearnerCatchUpEntries { get; init; } = DefaultLearnerCatchUpEntries;

    /// <summary>Reads and validates the options; <paramref name="errors"/> lists every problem (empty when valid).</summary>
    public static RaftOptions Read(IConfiguration section, out IReadOnlyList<string> errors)
    {
        var r = new OptionReader(section);
        var options = new RaftOptions
        {
            ElectionTimeoutMinTicks = r.Int("electionTimeoutMinTicks", DefaultElectionTimeoutMinTicks, 2, 1_000_000),
            ElectionTimeoutMaxTicks = r.Int("electionTimeoutMaxTicks", DefaultElectionTimeoutMaxTicks, 3, 1_000_001),
            HeartbeatIntervalTicks = r.Int("heartbeatIntervalTicks", DefaultHeartbeatIntervalTicks, 1, 999_999),
            MaxInflightAppends = r.Int("maxInflightAppends", DefaultMaxInflightAppends, 1, 65_536),
            MaxBytesPerMessage = r.Int("maxBytesPerMessage", DefaultMaxBytesPerMessage, 1, 256 << 20),
            MaxBatchEntries = r.Int("maxBatchEntries", DefaultMaxBatchEntries, 1, 1_000_000),
            MaxUncommittedBytes = r.Long("maxUncommittedBytes", DefaultMaxUncommittedBytes, 1, MaxByteLimit),
            MaxCommittedBytesPerReady = r.Long("maxCommittedBytesPerReady", DefaultMaxCommittedBytesPerReady, 1, MaxByteLimit),
            PreVote = r.Bool("preVote", true),
            CheckQuorum = r.Bool("checkQuorum", true),
            LeaseReads = r.Bool("leaseReads", false),
            LearnerCatchUpEntries = r.Int("learnerCatchUpEntries", DefaultLearnerCatchUpEntries, 0, int.MaxValue),
        };

        if (options.ElectionTimeoutMinTicks >= options.ElectionTimeoutMaxTicks)
        {
            r.Fail($"Option 'electionTimeoutMinTicks' ({options.ElectionTimeoutMinTicks}) must be less than 'electionTimeoutMaxTicks' ({options.ElectionTimeoutMaxTicks}).");
        }

        if (options.HeartbeatIntervalTicks >= options.ElectionTimeoutMinTicks)
        {
            r.Fail($"Option 'heartbeatIntervalTicks' ({options.HeartbeatIntervalTicks}) must be less than 'electionTimeoutMinTicks' ({options.ElectionTimeoutMinTicks}).");
        }

        if (options.LeaseReads && !options.CheckQuorum)
        {
            r.Fail("Option 'leaseReads' is true; it needs 'checkQuorum' true (a leader must step down before its lease can be wrong).");
        }

        r.RejectUnknown();
        errors = r.Errors;
        return options;
    }

    /// <summary>Reads the options, throwing <see cref="StrategyOptionsException"/> listing every problem.</summary>
    public static RaftOptions ReadValid(IConfiguration section)
    {
        var options = Read(section, out var errors);
        if (errors.Count > 0)
        {
            throw new StrategyOptionsException(errors);
        }

        return options;
    }
}
