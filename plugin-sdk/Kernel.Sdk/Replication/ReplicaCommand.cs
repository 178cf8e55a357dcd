namespace Kernel.Sdk.Replication;

/// <summary>
/// A client command as a replica sees it: opaque bytes of the group's <see cref="IReplicaModel"/>, with what a replica
/// needs to route it (its key, whether it only reads). Make one with the model (<see cref="KvModel.Command"/>, or
/// <see cref="IReplicaModel.Describe"/> for bytes from a client).
/// </summary>
/// <param name="Key">The key the command reads or writes: replication (quorums, versions, conflicts) is per key.</param>
/// <param name="ReadOnly">True when applying it never changes the key's value (a replica may serve it without replicating).</param>
/// <param name="Payload">The command's bytes, as the model encodes them.</param>
public sealed record ReplicaCommand(string Key, bool ReadOnly, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// True when the value afterwards does not depend on the value before (a put): a blind write. A strategy that cannot
    /// apply a read-modify-write atomically (a quorum store without consensus) serves reads and blind writes and refuses
    /// the rest.
    /// </summary>
    public bool Overwrites { get; init; }
}
