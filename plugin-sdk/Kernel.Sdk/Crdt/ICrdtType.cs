using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// A configured CRDT type as bytes: what a replication strategy uses when it replicates a <c>crdt/NAME</c> by name
/// without knowing its C# type. Every state and delta is a canonical encoding (equal states, equal bytes), so replicas
/// compare states by their bytes. Implement it with <see cref="CrdtType{T, TDelta}"/>.
/// </summary>
public interface ICrdtType
{
    /// <summary>The empty state's encoding.</summary>
    byte[] Empty();

    /// <summary>The merge of two states.</summary>
    byte[] Merge(ReadOnlySpan<byte> state, ReadOnlySpan<byte> other);

    /// <summary>A state with a delta (or delta group) merged in.</summary>
    byte[] MergeDelta(ReadOnlySpan<byte> state, ReadOnlySpan<byte> delta);

    /// <summary>Two deltas merged into one delta group.</summary>
    byte[] MergeDeltas(ReadOnlySpan<byte> delta, ReadOnlySpan<byte> other);

    /// <summary>
    /// Applies a client's operation, written as text (for example <c>inc 3</c>, <c>add x</c>, <c>remove x</c>; each type
    /// documents its own), made by <paramref name="replica"/>. A malformed operation throws <see cref="FormatException"/>
    /// naming the operations the type accepts.
    /// </summary>
    CrdtUpdate Update(ReadOnlySpan<byte> state, NodeId replica, string operation);

    /// <summary>The value a reader sees, as text (a number, a sorted set <c>[a, b]</c>, ...).</summary>
    string Read(ReadOnlySpan<byte> state);
}
