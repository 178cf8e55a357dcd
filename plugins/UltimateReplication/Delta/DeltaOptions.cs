using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.Delta;

/// <summary>The options of <c>replication/delta</c>. Times are in ticks (the runtime's tick length).</summary>
public sealed class DeltaOptions
{
    /// <summary>The block size of block deltas, in bytes. Default 2,048.</summary>
    public int BlockBytes { get; init; } = 2048;

    /// <summary>
    /// Values shorter than this travel in full; longer ones as a block delta against the version the peer holds, when it
    /// is smaller. 0: every value whose base the replica holds travels as a delta, even a larger one (to exercise deltas on
    /// small values). Default 8,192.
    /// </summary>
    public int MinDeltaBytes { get; init; } = 8192;

    /// <summary>How many recent versions of each key a replica keeps in memory as bases for deltas. Default 4.</summary>
    public int ChainVersions { get; init; } = 4;

    /// <summary>How often a replica sends each peer the keys changed since the versions it acknowledged. Default 1.</summary>
    public int PushIntervalTicks { get; init; } = 1;

    /// <summary>How long a push waits for its acknowledgement before it is sent again. Default 10.</summary>
    public int ResendIntervalTicks { get; init; } = 10;

    /// <summary>How often a replica compares key-range hashes with the next peer (and with every peer once after it starts). Default 20.</summary>
    public int AntiEntropyIntervalTicks { get; init; } = 20;

    /// <summary>How many keys one push carries at most. Default 64.</summary>
    public int MaxBatchKeys { get; init; } = 64;

    internal static DeltaOptions Read(OptionReader r) => new()
    {
        BlockBytes = r.Int("blockBytes", 2048, 1, 1 << 24),
        MinDeltaBytes = r.Int("minDeltaBytes", 8192, 0, int.MaxValue),
        ChainVersions = r.Int("chainVersions", 4, 1, 1024),
        PushIntervalTicks = r.Int("pushIntervalTicks", 1, 1, 1_000_000),
        ResendIntervalTicks = r.Int("resendIntervalTicks", 10, 1, 1_000_000),
        AntiEntropyIntervalTicks = r.Int("antiEntropyIntervalTicks", 20, 1, 1_000_000),
        MaxBatchKeys = r.Int("maxBatchKeys", 64, 1, 1_000_000),
    };

    internal static DeltaOptions Bind(IConfiguration options) => OptionReader.Bind(options, Read);
}
