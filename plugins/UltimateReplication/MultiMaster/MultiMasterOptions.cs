using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.MultiMaster;

/// <summary>The options of <c>replication/multi-master</c>. Times are in ticks (the runtime's tick length).</summary>
public sealed class MultiMasterOptions
{
    /// <summary>
    /// The <c>conflict/...</c> strategy (or named instance) that resolves concurrent versions, such as
    /// <c>conflict/last-writer-wins</c> or <c>conflict/vector-clock</c> (which keeps them as siblings). Default: none, the
    /// built-in last-writer-wins by (logical timestamp, replica id), which needs no other plugin.
    /// </summary>
    public string? Resolver { get; init; }

    /// <summary>How often each replica pushes its changes to every peer (what the peer has not acknowledged). Default 1.</summary>
    public int PushIntervalTicks { get; init; } = 1;

    /// <summary>How long a push waits for its acknowledgement before it is sent again. Default 10.</summary>
    public int ResendIntervalTicks { get; init; } = 10;

    /// <summary>How often a replica compares key-range hashes with the next peer (anti-entropy). Default 20.</summary>
    public int AntiEntropyIntervalTicks { get; init; } = 20;

    /// <summary>How many keys one push carries at most. Default 256.</summary>
    public int MaxBatchKeys { get; init; } = 256;

    internal StrategyReference? ResolverReference { get; private init; }

    internal static MultiMasterOptions Read(OptionReader r)
    {
        var resolver = r.Reference("resolver", StrategyCategory.Conflict);
        return new()
        {
            Resolver = resolver?.Key,
            ResolverReference = resolver,
            PushIntervalTicks = r.Int("pushIntervalTicks", 1, 1, 1_000_000),
            ResendIntervalTicks = r.Int("resendIntervalTicks", 10, 1, 1_000_000),
            AntiEntropyIntervalTicks = r.Int("antiEntropyIntervalTicks", 20, 1, 1_000_000),
            MaxBatchKeys = r.Int("maxBatchKeys", 256, 1, 1_000_000),
        };
    }

    internal static MultiMasterOptions Bind(IConfiguration options) => OptionReader.Bind(options, Read);
}
