using Kernel.Sdk.Cluster;
using UltimateReplication.Shared;

namespace UltimateReplication.Delta;

/// <summary>The kinds of <see cref="DeltaMessage"/>.</summary>
internal enum DeltaMessageType : byte
{
    /// <summary>Keys changed since the versions the receiver acknowledged: push <c>Seq</c> of incarnation <c>Incarnation</c>.</summary>
    Push = 1,

    /// <summary>For push <c>Seq</c> of the receiver's incarnation <c>Incarnation</c>, the version of each of its keys now durable here.</summary>
    Ack = 2,

    /// <summary>Anti-entropy: the sender's hash of every key range.</summary>
    Digest = 3,

    /// <summary>The sender's versions (no values) of the keys of the ranges that differed; <c>Reply</c> asks for the receiver's back.</summary>
    Versions = 4,
}

/// <summary>
/// A key's version in a push: in full (<see cref="Bytes"/> the value, null for a deletion), or as a block delta against
/// <see cref="Base"/> (<see cref="Bytes"/> the encoded delta, <see cref="Hash"/> the value's hash to check the result).
/// </summary>
internal readonly record struct DeltaEntry(string Key, Stamp Stamp, bool IsDelta, Stamp Base, ulong Hash, byte[]? Bytes);

/// <summary>Every message of <c>replication/delta</c> in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record DeltaMessage(DeltaMessageType Type, NodeId From, NodeId To) : IProtocolMessage
{
    public long Incarnation { get; init; }

    public long Seq { get; init; }

    public bool Reply { get; init; }

    public IReadOnlyList<ulong> Hashes { get; init; } = [];

    public IReadOnlyList<int> Ranges { get; init; } = [];

    public IReadOnlyList<DeltaEntry> Entries { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, Stamp>> Stamps { get; init; } = [];

    public override string ToString() => $"{Type} {From}->{To} inc {Incarnation} seq {Seq} entries={Entries.Count} stamps={Stamps.Count} ranges={Ranges.Count}";
}
