using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.SyncQuorum;

/// <summary>
/// The options of <c>replication/sync-quorum</c>. Times are in ticks (the runtime's tick length). Every replica of the
/// group holds every key: N is the group's size.
/// </summary>
public sealed class SyncQuorumOptions
{
    /// <summary>
    /// W: how many replicas must have a write durable before it is acknowledged, and a read's value before the read
    /// answers (its write-back). 0 (the default): a majority of the group. With <see cref="ReadQuorum"/> R, W + R must exceed
    /// N for the promise to hold; smaller quorums are allowed (as Cassandra allows ONE/ONE) and lose it.
    /// </summary>
    public int WriteQuorum { get; init; }

    /// <summary>R: how many replicas' versions a read or a write waits for before it goes on. 0 (the default): a majority.</summary>
    public int ReadQuorum { get; init; }

    /// <summary>How long a coordinator waits for a quorum before it gives up without answering (the outcome stays unknown). Default 100.</summary>
    public int RequestTimeoutTicks { get; init; } = 100;

    /// <summary>How often a coordinator sends a request's messages again to replicas that have not answered. Default 5.</summary>
    public int ResendIntervalTicks { get; init; } = 5;

    /// <summary>How often a replica compares its key-range hashes with one random peer and exchanges the versions that differ. Default 10.</summary>
    public int AntiEntropyIntervalTicks { get; init; } = 10;

    /// <summary>
    /// Hinted handoff: after a write, the coordinator keeps the version for each replica that did not acknowledge it and
    /// sends it again every <see cref="ResendIntervalTicks"/> until it is acknowledged. Hints never count towards W. Default true.
    /// </summary>
    public bool HintedHandoff { get; init; } = true;

    /// <summary>How many hints a coordinator keeps at most; beyond it new hints are dropped (anti-entropy still repairs). Default 10,000.</summary>
    public int MaxHints { get; init; } = 10_000;

    /// <summary>How many client requests a coordinator runs at once; beyond it requests are refused ("too many requests in flight"). Default 1,024.</summary>
    public int MaxPendingRequests { get; init; } = 1024;

    /// <summary>Reads the options, reporting every problem (see <see cref="OptionReader"/>).</summary>
    internal static SyncQuorumOptions Read(OptionReader r)
    {
        var options = new SyncQuorumOptions
        {
            WriteQuorum = r.Int("writeQuorum", 0, 0, 1000),
            ReadQuorum = r.Int("readQuorum", 0, 0, 1000),
            RequestTimeoutTicks = r.Int("requestTimeoutTicks", 100, 1, 1_000_000),
            ResendIntervalTicks = r.Int("resendIntervalTicks", 5, 1, 1_000_000),
            AntiEntropyIntervalTicks = r.Int("antiEntropyIntervalTicks", 10, 1, 1_000_000),
            HintedHandoff = r.Bool("hintedHandoff", true),
            MaxHints = r.Int("maxHints", 10_000, 0, 10_000_000),
            MaxPendingRequests = r.Int("maxPendingRequests", 1024, 1, 1_000_000),
        };
        return options;
    }

    /// <summary>W for a group of <paramref name="n"/> replicas.</summary>
    internal int W(int n) => WriteQuorum == 0 ? n / 2 + 1 : WriteQuorum;

    /// <summary>R for a group of <paramref name="n"/> replicas.</summary>
    internal int R(int n) => ReadQuorum == 0 ? n / 2 + 1 : ReadQuorum;

    /// <summary>Reads validated options (throws <see cref="StrategyOptionsException"/> listing every problem).</summary>
    internal static SyncQuorumOptions Bind(IConfiguration options) => OptionReader.Bind(options, Read);
}
