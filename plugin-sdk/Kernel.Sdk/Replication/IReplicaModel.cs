namespace Kernel.Sdk.Replication;

/// <summary>
/// The state machine a replica group runs, key by key: what a command does to a key's value and what it answers. A
/// replication strategy moves values and versions between replicas and never looks inside them; the model gives them
/// meaning. <see cref="KvModel"/> (get, put, append, compare-and-set over text) is the default and what the simulator's
/// workload runs. Must be deterministic and free of side effects: replicas apply the same command to the same value and
/// must get the same outcome.
/// </summary>
public interface IReplicaModel
{
    /// <summary>A short name for logs and errors (<c>kv</c>).</summary>
    string Name { get; }

    /// <summary>Reads a command's key and kind from its bytes (as a client sent them).</summary>
    /// <exception cref="FormatException">The bytes are not a command of this model.</exception>
    ReplicaCommand Describe(ReadOnlyMemory<byte> command);

    /// <summary>
    /// Applies a command to a key's current value (null when the key is absent). Pass null itself for an absent key: a
    /// null <c>byte[]</c> converts to an empty value, not to null, and so does an untyped null beside a
    /// <c>ReadOnlyMemory&lt;byte&gt;</c> in a conditional (write <c>held is { } v ? new ReadOnlyMemory&lt;byte&gt;(v) : (ReadOnlyMemory&lt;byte&gt;?)null</c>).
    /// </summary>
    ModelOutcome Apply(ReplicaCommand command, ReadOnlyMemory<byte>? current);
}
