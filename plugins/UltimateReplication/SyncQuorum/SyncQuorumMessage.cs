using Kernel.Sdk.Cluster;
using UltimateReplication.Shared;

namespace UltimateReplication.SyncQuorum;

/// <summary>The kinds of <see cref="SyncQuorumMessage"/>.</summary>
internal enum SyncQuorumMessageType : byte
{
    /// <summary>Coordinator to replica: what version of <c>Key</c> do you hold? (phase 1 of a read or a write)</summary>
    Query = 1,

    /// <summary>Replica to coordinator: the version held (<c>Found</c> false when none).</summary>
    QueryReply = 2,

    /// <summary>Coordinator to replica: keep this version if it is newer (phase 2; <c>Op</c> 0 for a hinted handoff).</summary>
    Store = 3,

    /// <summary>Replica to coordinator: the version is durable here (or a newer one is).</summary>
    StoreAck = 4,

    /// <summary>Anti-entropy: the sender's hash of every key range.</summary>
    Digest = 5,

    /// <summary>Anti-entropy: the ranges that differ, with the replier's versions in them.</summary>
    DigestReply = 6,

    /// <summary>Anti-entropy: the first sender's versions in the differing ranges.</summary>
    Entries = 7,
}

/// <summary>Every message of <c>replication/sync-quorum</c> in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record SyncQuorumMessage(SyncQuorumMessageType Type, NodeId From, NodeId To) : IProtocolMessage
{
    /// <summary>The coordinator's operation id (0 for hints and anti-entropy).</summary>
    public long Op { get; init; }

    public string Key { get; init; } = string.Empty;

    /// <summary>True when the replier holds a version of the key (a query reply).</summary>
    public bool Found { get; init; }

    public Cell Cell { get; init; }

    public IReadOnlyList<ulong> RangeHashes { get; init; } = [];

    public IReadOnlyList<int> Ranges { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, Cell>> Cells { get; init; } = [];

    public override string ToString() => Type switch
    {
        SyncQuorumMessageType.Digest => $"{Type} {From}->{To}",
        SyncQuorumMessageType.DigestReply or SyncQuorumMessageType.Entries => $"{Type} {From}->{To} ranges={Ranges.Count} cells={Cells.Count}",
        _ => $"{Type} {From}->{To} op {Op} {Key} {(Found || Type != SyncQuorumMessageType.QueryReply ? Cell.Stamp.ToString() : "none")}",
    };
}
