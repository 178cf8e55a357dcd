using Kernel.Sdk.Cluster;
using UltimateReplication.Shared;

namespace UltimateReplication.RealTime;

/// <summary>The kinds of <see cref="RealTimeMessage"/>.</summary>
internal enum RealTimeMessageType : byte
{
    /// <summary>One write (one cell), push number <c>Seq</c> of the sender's incarnation <c>Incarnation</c>.</summary>
    Push = 1,

    /// <summary>Push <c>Seq</c> of the receiver's incarnation <c>Incarnation</c> is durable here.</summary>
    PushAck = 2,

    /// <summary>Anti-entropy: the sender's hash of every key range; <c>Seq</c> is the catch-up round (0: background).</summary>
    Digest = 3,

    /// <summary>The ranges that differ (none: in sync) and the replier's cells in them, for round <c>Seq</c>.</summary>
    DigestReply = 4,

    /// <summary>The cells of those ranges newer on the sender, for round <c>Seq</c>.</summary>
    Entries = 5,

    /// <summary>The entries of round <c>Seq</c> are durable here.</summary>
    EntriesAck = 6,
}

/// <summary>Every message of <c>replication/real-time</c> in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record RealTimeMessage(RealTimeMessageType Type, NodeId From, NodeId To) : IProtocolMessage
{
    /// <summary>The incarnation (drawn at each start) of the replica whose pushes or rounds <see cref="Seq"/> counts.</summary>
    public long Incarnation { get; init; }

    public long Seq { get; init; }

    public IReadOnlyList<ulong> Hashes { get; init; } = [];

    public IReadOnlyList<int> Ranges { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, Cell>> Cells { get; init; } = [];

    public override string ToString() => $"{Type} {From}->{To} inc {Incarnation} seq {Seq} ranges={Ranges.Count} cells={Cells.Count}";
}
