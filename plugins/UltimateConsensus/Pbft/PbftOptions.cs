using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.Pbft;

/// <summary>
/// PBFT's options, read from the strategy's <c>options</c> section; times are counted in ticks. See
/// <see cref="PbftStrategy"/> for the list with defaults.
/// </summary>
internal sealed record PbftOptions
{
    public const int DefaultCheckpointInterval = 8;
    public const int DefaultWatermarkCheckpoints = 4;
    public const int DefaultMaxBatchRequests = 8;
    public const int DefaultMaxInflightBatches = 2;
    public const int DefaultViewChangeTimeoutTicks = 40;
    public const int DefaultRetransmitTicks = 8;
    public const int DefaultMaxFetchEntries = 512;

    /// <summary>K: a checkpoint every this many sequence numbers.</summary>
    public int CheckpointInterval { get; init; } = DefaultCheckpointInterval;

    /// <summary>L = this many checkpoint intervals: the window above the low watermark in which sequence numbers are accepted.</summary>
    public int WatermarkCheckpoints { get; init; } = DefaultWatermarkCheckpoints;

    /// <summary>Requests a primary puts in one pre-prepare at most.</summary>
    public int MaxBatchRequests { get; init; } = DefaultMaxBatchRequests;

    /// <summary>Batches a primary keeps in progress (assigned, not executed) before it buffers requests for the next batch.</summary>
    public int MaxInflightBatches { get; init; } = DefaultMaxInflightBatches;

    /// <summary>Ticks a backup waits for a request it knows of to execute before it starts a view change (doubled per failed view change).</summary>
    public int ViewChangeTimeoutTicks { get; init; } = DefaultViewChangeTimeoutTicks;

    /// <summary>Ticks between two retransmissions of what is not yet done (pre-prepares, prepares, commits, checkpoints, view changes) and fetches when behind.</summary>
    public int RetransmitTicks { get; init; } = DefaultRetransmitTicks;

    /// <summary>Executed log entries one fetch reply carries at most.</summary>
    public int MaxFetchEntries { get; init; } = DefaultMaxFetchEntries;

    /// <summary>L, the watermark window in sequence numbers.</summary>
    public long Window => (long)CheckpointInterval * WatermarkCheckpoints;

    public static PbftOptions Read(IConfiguration section, out IReadOnlyList<string> errors)
    {
        var r = new OptionReader(section);
        var options = new PbftOptions
        {
            CheckpointInterval = r.Int("checkpointInterval", DefaultCheckpointInterval, 1, 1_000_000),
            WatermarkCheckpoints = r.Int("watermarkCheckpoints", DefaultWatermarkCheckpoints, 2, 1_000),
            MaxBatchRequests = r.Int("maxBatchRequests", DefaultMaxBatchRequests, 1, 10_000),
            MaxInflightBatches = r.Int("maxInflightBatches", DefaultMaxInflightBatches, 1, 10_000),
            ViewChangeTimeoutTicks = r.Int("viewChangeTimeoutTicks", DefaultViewChangeTimeoutTicks, 2, 1_000_000),
            RetransmitTicks = r.Int("retransmitTicks", DefaultRetransmitTicks, 1, 1_000_000),
            MaxFetchEntries = r.Int("maxFetchEntries", DefaultMaxFetchEntries, 2, 1_000_000),
        };

        if (options.RetransmitTicks >= options.ViewChangeTimeoutTicks)
        {
            r.Fail($"Option 'retransmitTicks' ({options.RetransmitTicks}) must be less than 'viewChangeTimeoutTicks' ({options.ViewChangeTimeoutTicks}).");
        }

        if (options.MaxInflightBatches > options.Window)
        {
            r.Fail($"Option 'maxInflightBatches' ({options.MaxInflightBatches}) must not exceed the watermark window (checkpointInterval × watermarkCheckpoints = {options.Window}).");
        }

        r.RejectUnknown();
        errors = r.Errors;
        return options;
    }

    public static PbftOptions ReadValid(IConfiguration section)
    {
        var options = Read(section, out var errors);
        return errors.Count > 0 ? throw new StrategyOptionsException(errors) : options;
    }
}

/// <summary>Deliberate bugs, for tests that show the verifier catches them. Never set by the plugin.</summary>
[Flags]
internal enum PbftFlaw
{
    None = 0,

    /// <summary>Prepared and committed on 2f matching votes instead of 2f+1 (quorums of 2f).</summary>
    QuorumOfTwoF = 1,

    /// <summary>The new-view decision ignores the prepared certificates: every sequence number above the checkpoint gets the null request.</summary>
    NewViewDropsPrepared = 2,
}
