using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Conflict;

/// <summary>One version of a value as a replica holds it.</summary>
/// <param name="Replica">The replica that wrote it (the same id replication and CRDTs use).</param>
/// <param name="Value">The value's bytes.</param>
/// <param name="Timestamp">The writer's hybrid or logical timestamp.</param>
/// <param name="Clock">The version vector at the write; <see cref="VersionVector.Empty"/> when the writer keeps none.</param>
public sealed record VersionedValue(NodeId Replica, ReadOnlyMemory<byte> Value, long Timestamp, VersionVector Clock);
