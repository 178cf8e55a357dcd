using Kernel.Sdk.Runtime;

namespace Kernel.Node.Runtime;

/// <summary>The node runtime's settings (not a strategy's): the tick, the snapshot policy and the backpressure bound.</summary>
internal sealed record NodeRuntimeOptions
{
    /// <summary>The default tick length: 100 ms (Raft's defaults then elect within 1 to 2 s, as etcd does).</summary>
    public static readonly TimeSpan DefaultTickLength = TimeSpan.FromMilliseconds(100);

    /// <summary>The wall time of one <see cref="Kernel.Sdk.Consensus.IConsensusNode.Tick"/>; 1 ms to 10 s, default 100 ms.</summary>
    public TimeSpan TickLength { get; init; } = DefaultTickLength;

    /// <summary>
    /// After a full disk, the free bytes the data directory needs before the member reopens its log; default 1 MiB. Where
    /// the free space cannot be told the member simply tries again every second.
    /// </summary>
    public long ResumeFreeDiskBytes { get; init; } = 1 << 20;

    /// <summary>The data directory's free bytes (null: unknown), for tests; null here asks the file system.</summary>
    public Func<long?>? FreeDiskBytes { get; init; }

    /// <summary>Applied entries between two state-machine snapshots (<see cref="ReadyDriverOptions.SnapshotEvery"/>); 0 never; default 100,000, as etcd's <c>--snapshot-count</c> (each snapshot serialises the whole store).</summary>
    public long SnapshotEvery { get; init; } = DefaultSnapshotEvery;

    /// <summary>The default of <see cref="SnapshotEvery"/>: 100,000 applied entries.</summary>
    public const long DefaultSnapshotEvery = 100_000;

    /// <summary>
    /// Proposals and linearizable reads a member holds at once (queued to its loop, waiting to be applied or forwarded);
    /// beyond it a call fails at once with <see cref="RejectionReason.TooManyRequests"/>. 1 to 1,000,000, default 10,000.
    /// </summary>
    public int MaxInflightProposals { get; init; } = 10_000;

    /// <summary>How long a follower waits for the leader to take a forwarded proposal; 100 ms to 10 min, default 5 s.</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The per-link keys handed to the strategy (<see cref="Kernel.Sdk.Consensus.ConsensusNodeOptions.LinkKeys"/>) and, for a
    /// strategy whose clients wait for f+1 matching replies, the keys replica replies are authenticated with; null: none
    /// (such a strategy then refuses to start). The member host derives them from the cluster token.
    /// </summary>
    public Kernel.Sdk.Consensus.ILinkKeys? LinkKeys { get; init; }

    /// <summary>Every problem with these settings, each naming the setting and its allowed range (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (TickLength < TimeSpan.FromMilliseconds(1) || TickLength > TimeSpan.FromSeconds(10))
        {
            errors.Add($"tickLength: {TickLength.TotalMilliseconds} ms is outside 1 ms to 10 s.");
        }

        if (SnapshotEvery < 0)
        {
            errors.Add($"snapshot-count: {SnapshotEvery} is negative (0 disables snapshots).");
        }

        if (MaxInflightProposals is < 1 or > 1_000_000)
        {
            errors.Add($"maxInflightProposals: {MaxInflightProposals} is outside 1 to 1000000.");
        }

        if (ForwardTimeout < TimeSpan.FromMilliseconds(100) || ForwardTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"forwardTimeout: {ForwardTimeout.TotalMilliseconds} ms is outside 100 ms to 10 min.");
        }

        return errors;
    }
}
