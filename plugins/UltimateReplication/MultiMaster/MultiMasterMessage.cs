using Kernel.Sdk.Cluster;

namespace UltimateReplication.MultiMaster;

/// <summary>The kinds of <see cref="MultiMasterMessage"/>.</summary>
internal enum MultiMasterMessageType : byte
{
    /// <summary>The keys the sender changed after what the receiver acknowledged, through change <c>Seq</c> of incarnation <c>Incarnation</c>.</summary>
    Push = 1,

    /// <summary>Everything through change <c>Seq</c> of the receiver's incarnation <c>Incarnation</c> is durable here.</summary>
    Ack = 2,

    /// <summary>Anti-entropy: the sender's hash of every key range.</summary>
    Digest = 3,

    /// <summary>Anti-entropy: the sender's keys of the ranges that differed; <c>Reply</c> asks for the receiver's keys of the same ranges back.</summary>
    Repair = 4,
}

/// <summary>Every message of <c>replication/multi-master</c> in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record MultiMasterMessage(MultiMasterMessageType Type, NodeId From, NodeId To) : IProtocolMessage
{
    /// <summary>The incarnation (a random number drawn at each start) of the replica whose change numbers <see cref="Seq"/> counts.</summary>
    public long Incarnation { get; init; }

    public long Seq { get; init; }

    public bool Reply { get; init; }

    public IReadOnlyList<ulong> Hashes { get; init; } = [];

    public IReadOnlyList<int> Ranges { get; init; } = [];

    public IReadOnlyList<KeyVersions> Keys { get; init; } = [];

    public override string ToString() => $"{Type} {From}->{To} inc {Incarnation} seq {Seq} keys={Keys.Count} ranges={Ranges.Count}";
}
