using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.Vr;

/// <summary>
/// Viewstamped Replication's options, read from the strategy's <c>options</c> section; times in ticks
/// (<see cref="Kernel.Sdk.Consensus.IConsensusNode.Tick"/>). The snapshot policy is the runtime's setting.
/// </summary>
internal sealed record VrOptions
{
    public const int DefaultViewChangeTimeoutMinTicks = 10;
    public const int DefaultViewChangeTimeoutMaxTicks = 20;
    public const int DefaultHeartbeatIntervalTicks = 2;
    public const int DefaultMaxBatchEntries = 1024;
    public const long DefaultMaxCommittedBytesPerReady = 64L << 20;

    /// <summary>
    /// Lower bound (inclusive) of the randomized timeout after which a backup that hears nothing from its primary starts a
    /// view change; also how long a primary goes without word from a quorum's worth of backups before it starts one.
    /// </summary>
    public int ViewChangeTimeoutMinTicks { get; init; } = DefaultViewChangeTimeoutMinTicks;

    /// <summary>Upper bound (exclusive) of that timeout; also bounds a view change, and spaces recovery attempts.</summary>
    public int ViewChangeTimeoutMaxTicks { get; init; } = DefaultViewChangeTimeoutMaxTicks;

    /// <summary>Ticks between a primary's Commit (or Prepare retransmission) rounds, and between resends during view change and recovery.</summary>
    public int HeartbeatIntervalTicks { get; init; } = DefaultHeartbeatIntervalTicks;

    /// <summary>Entries one retransmitted Prepare carries at most.</summary>
    public int MaxBatchEntries { get; init; } = DefaultMaxBatchEntries;

    /// <summary>Bytes (as <see cref="Kernel.Sdk.Consensus.LogEntry.Size"/> counts them) of committed entries one Ready hands out for applying (at least one).</summary>
    public long MaxCommittedBytesPerReady { get; init; } = DefaultMaxCommittedBytesPerReady;

    /// <summary>Reads and validates the options; <paramref name="errors"/> lists every problem (empty when valid).</summary>
    public static VrOptions Read(IConfiguration section, out IReadOnlyList<string> errors)
    {
        var r = new OptionReader(section);
        var options = new VrOptions
        {
            ViewChangeTimeoutMinTicks = r.Int("viewChangeTimeoutMinTicks", DefaultViewChangeTimeoutMinTicks, 2, 1_000_000),
            ViewChangeTimeoutMaxTicks = r.Int("viewChangeTimeoutMaxTicks", DefaultViewChangeTimeoutMaxTicks, 3, 1_000_001),
            HeartbeatIntervalTicks = r.Int("heartbeatIntervalTicks", DefaultHeartbeatIntervalTicks, 1, 999_999),
            MaxBatchEntries = r.Int("maxBatchEntries", DefaultMaxBatchEntries, 1, 1_000_000),
            MaxCommittedBytesPerReady = r.Long("maxCommittedBytesPerReady", DefaultMaxCommittedBytesPerReady, 1, 1L << 40),
        };

        if (options.ViewChangeTimeoutMinTicks >= options.ViewChangeTimeoutMaxTicks)
        {
            r.Fail($"Option 'viewChangeTimeoutMinTicks' ({options.ViewChangeTimeoutMinTicks}) must be less than 'viewChangeTimeoutMaxTicks' ({options.ViewChangeTimeoutMaxTicks}).");
        }

        if (options.HeartbeatIntervalTicks >= options.ViewChangeTimeoutMinTicks)
        {
            r.Fail($"Option 'heartbeatIntervalTicks' ({options.HeartbeatIntervalTicks}) must be less than 'viewChangeTimeoutMinTicks' ({options.ViewChangeTimeoutMinTicks}).");
        }

        r.RejectUnknown();
        errors = r.Errors;
        return options;
    }

    /// <summary>Reads the options, throwing <see cref="StrategyOptionsException"/> listing every problem.</summary>
    public static VrOptions ReadValid(IConfiguration section)
    {
        var options = Read(section, out var errors);
        if (errors.Count > 0)
        {
            throw new StrategyOptionsException(errors);
        }

        return options;
    }
}
