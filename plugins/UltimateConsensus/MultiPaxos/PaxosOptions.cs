using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.MultiPaxos;

/// <summary>
/// Multi-Paxos's options, read from the strategy's <c>options</c> section; every time is counted in ticks
/// (<see cref="Kernel.Sdk.Consensus.IConsensusNode.Tick"/>). The timing options share their names and meaning with Raft's,
/// so a configuration can switch protocols without renaming.
/// </summary>
internal sealed record PaxosOptions
{
    public const int DefaultElectionTimeoutMinTicks = 10;
    public const int DefaultElectionTimeoutMaxTicks = 20;
    public const int DefaultHeartbeatIntervalTicks = 2;
    public const int DefaultMaxInflightAccepts = 64;
    public const int DefaultMaxBytesPerMessage = 1 << 20;
    public const int DefaultMaxBatchEntries = 1024;

    /// <summary>Lower bound (inclusive) of the randomized timeout after which a node that hears no leader runs phase 1.</summary>
    public int ElectionTimeoutMinTicks { get; init; } = DefaultElectionTimeoutMinTicks;

    /// <summary>Upper bound (exclusive) of that timeout.</summary>
    public int ElectionTimeoutMaxTicks { get; init; } = DefaultElectionTimeoutMaxTicks;

    /// <summary>Ticks between two heartbeat rounds of the leader.</summary>
    public int HeartbeatIntervalTicks { get; init; } = DefaultHeartbeatIntervalTicks;

    /// <summary>Accept messages the leader keeps in flight to one acceptor once its position is known.</summary>
    public int MaxInflightAccepts { get; init; } = DefaultMaxInflightAccepts;

    /// <summary>Upper bound of the entry bytes of one accept message (one larger entry still goes alone).</summary>
    public int MaxBytesPerMessage { get; init; } = DefaultMaxBytesPerMessage;

    /// <summary>Upper bound of the slots of one accept message.</summary>
    public int MaxBatchEntries { get; init; } = DefaultMaxBatchEntries;

    /// <summary>The leader gives up its ballot when it has not heard from a quorum within an election timeout.</summary>
    public bool CheckQuorum { get; init; } = true;

    /// <summary>A deliberate bug, for the tests that show <c>verify</c> catches it; never set from configuration.</summary>
    public PaxosFault Fault { get; init; }

    /// <summary>Reads and validates the options; <paramref name="errors"/> lists every problem (empty when valid).</summary>
    public static PaxosOptions Read(IConfiguration section, out IReadOnlyList<string> errors)
    {
        var r = new OptionReader(section);
        var options = new PaxosOptions
        {
            ElectionTimeoutMinTicks = r.Int("electionTimeoutMinTicks", DefaultElectionTimeoutMinTicks, 2, 1_000_000),
            ElectionTimeoutMaxTicks = r.Int("electionTimeoutMaxTicks", DefaultElectionTimeoutMaxTicks, 3, 1_000_001),
            HeartbeatIntervalTicks = r.Int("heartbeatIntervalTicks", DefaultHeartbeatIntervalTicks, 1, 999_999),
            MaxInflightAccepts = r.Int("maxInflightAccepts", DefaultMaxInflightAccepts, 1, 65_536),
            MaxBytesPerMessage = r.Int("maxBytesPerMessage", DefaultMaxBytesPerMessage, 1, 256 << 20),
            MaxBatchEntries = r.Int("maxBatchEntries", DefaultMaxBatchEntries, 1, 1_000_000),
            CheckQuorum = r.Bool("checkQuorum", true),
        };

        if (options.ElectionTimeoutMinTicks >= options.ElectionTimeoutMaxTicks)
        {
            r.Fail($"Option 'electionTimeoutMinTicks' ({options.ElectionTimeoutMinTicks}) must be less than 'electionTimeoutMaxTicks' ({options.ElectionTimeoutMaxTicks}).");
        }

        if (options.HeartbeatIntervalTicks >= options.ElectionTimeoutMinTicks)
        {
            r.Fail($"Option 'heartbeatIntervalTicks' ({options.HeartbeatIntervalTicks}) must be less than 'electionTimeoutMinTicks' ({options.ElectionTimeoutMinTicks}).");
        }

        r.RejectUnknown();
        errors = r.Errors;
        return options;
    }

    /// <summary>Reads the options, throwing <see cref="StrategyOptionsException"/> listing every problem.</summary>
    public static PaxosOptions ReadValid(IConfiguration section)
    {
        var options = Read(section, out var errors);
        if (errors.Count > 0)
        {
            throw new StrategyOptionsException(errors);
        }

        return options;
    }
}

/// <summary>Deliberately broken variants of the protocol, each one that <c>verify</c> must catch.</summary>
internal enum PaxosFault
{
    /// <summary>The protocol as it should be.</summary>
    None,

    /// <summary>An acceptor answers a Prepare before its promise is durable: a crash forgets the promise.</summary>
    PromiseBeforePersist,

    /// <summary>A node taking a new ballot leads at once with its own log, skipping phase 1.</summary>
    SkipPhase1,

    /// <summary>An acceptor accepts values of a ballot lower than the one it promised.</summary>
    AcceptLowerBallot,
}
