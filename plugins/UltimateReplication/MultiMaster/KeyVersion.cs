using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace UltimateReplication.MultiMaster;

/// <summary>
/// One version of a key in <c>replication/multi-master</c>: the writer, its logical (Lamport) timestamp, the version vector
/// of what the writer had seen of the key (its own dot included), and the value (null: a tombstone, the key deleted).
/// </summary>
/// <param name="Replica">The replica that wrote it (or whose version won a resolution).</param>
/// <param name="Timestamp">The writer's Lamport timestamp: above every timestamp it had seen.</param>
/// <param name="Clock">The key's version vector at the write (after a resolution: of every version resolved).</param>
/// <param name="Value">The value's bytes, or null for a deletion.</param>
internal sealed record KeyVersion(NodeId Replica, long Timestamp, VersionVector Clock, byte[]? Value)
{
    /// <summary>The value as a model reads it: null for a tombstone.</summary>
    public ReadOnlyMemory<byte>? Current => Value is { } v ? new ReadOnlyMemory<byte>(v) : (ReadOnlyMemory<byte>?)null; // typed: an untyped null would convert to an empty value

    /// <summary>The SDK's form (a tombstone as an empty value; see <see cref="SiblingSets.Resolve"/>).</summary>
    public VersionedValue ToVersionedValue() => new(Replica, Value ?? [], Timestamp, Clock);

    public override string ToString() => $"{(Value is null ? "tombstone" : System.Text.Encoding.UTF8.GetString(Value))}@{Timestamp}/{Replica} {Clock}";
}
