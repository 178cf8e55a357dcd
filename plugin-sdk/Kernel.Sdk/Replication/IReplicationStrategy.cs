using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Replication;

/// <summary>What a replication strategy promises its clients; the verifier checks the matching property.</summary>
public enum ReplicationGuarantee
{
    /// <summary>Every history of acknowledged operations is linearizable.</summary>
    Linearizable,

    /// <summary>Replicas converge once writes stop and the network heals, and no acknowledged write is lost.</summary>
    Convergent,
}

/// <summary>
/// A data replication scheme: replicas that hold keys' values and versions and move them between each other. What a
/// command does to a value is the group's <see cref="IReplicaModel"/> (<see cref="KvModel"/> by default). Like consensus,
/// each replica is a pure state machine (<see cref="IReplicaNode"/>) driven by the simulator or the node runtime.
/// </summary>
public interface IReplicationStrategy : IStrategy
{
    /// <summary>What the strategy promises.</summary>
    ReplicationGuarantee Guarantee { get; }

    /// <summary>The codec for the strategy's messages.</summary>
    IMessageCodec Codec { get; }

    /// <summary>Creates a replica from the records it persisted before (empty on first start).</summary>
    IReplicaNode CreateReplica(ReplicaOptions options);
}

/// <summary>Everything a replica is created from.</summary>
public sealed class ReplicaOptions
{
    /// <summary>The replica's id.</summary>
    public required NodeId Id { get; init; }

    /// <summary>Every replica of the group, this one included.</summary>
    public required IReadOnlyList<NodeId> Replicas { get; init; }

    /// <summary>The replica's durable directory; read it only here, at creation, to recover.</summary>
    public required IDurableDirectory Directory { get; init; }

    /// <summary>The only source of randomness the replica may use, seeded by the caller.</summary>
    public required Random Random { get; init; }

    /// <summary>The strategy's options section, already validated.</summary>
    public required IConfiguration Options { get; init; }

    /// <summary>
    /// Other strategies by <c>category/name</c> (a <c>conflict/...</c> resolver, a <c>crdt/...</c> type), as the strategy's
    /// options name them (declare them with <see cref="IReferencingStrategy"/> so the kernel checks them first); null
    /// when the runtime offers none. A lease taken here lasts as long as the runtime that created the replica.
    /// </summary>
    public IStrategyResolver? Strategies { get; init; }

    /// <summary>
    /// What commands do to values: apply client commands with it and never interpret values otherwise. The simulator always
    /// runs <see cref="KvModel"/> (its workload is key-value).
    /// </summary>
    public IReplicaModel Model { get; init; } = KvModel.Instance;
}

/// <summary>
/// One replica as a pure state machine: client requests, messages and ticks in; messages, durable records and
/// client responses out through <see cref="GetReady"/>.
/// </summary>
public interface IReplicaNode
{
    /// <summary>This replica's id.</summary>
    NodeId Id { get; }

    /// <summary>Advances the logical clock by one tick.</summary>
    void Tick();

    /// <summary>Delivers a message from another replica.</summary>
    void Step(IProtocolMessage message);

    /// <summary>
    /// Takes a client request: when accepted, its response comes in a later <see cref="ReplicaReady"/>, or never (the
    /// client times out); when refused (backpressure, a replica that cannot serve now, a command it cannot carry out), nothing
    /// happened and the reason says why. Apply the command with <see cref="ReplicaOptions.Model"/>.
    /// </summary>
    SubmitResult Submit(long requestId, ReplicaCommand command);

    /// <summary>True when <see cref="GetReady"/> has something to do.</summary>
    bool HasReady { get; }

    /// <summary>Collects the outputs produced since the last <see cref="Advance"/>.</summary>
    ReplicaReady GetReady();

    /// <summary>Tells the replica that the runtime did what the given batch asked for.</summary>
    void Advance(ReplicaReady ready);

    /// <summary>
    /// The replica's current contents, for convergence checks: each present key's versions as the replica keeps them (one,
    /// or several siblings), with their writer, timestamp and version vector where the strategy keeps them. Deleted keys
    /// (tombstones) are absent.
    /// </summary>
    IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents();
}

/// <summary>
/// What a replica hands its runtime: persist (replace <see cref="Writes"/> atomically, append <see cref="Appends"/> and sync
/// them, delete <see cref="Deletes"/>), then send, then answer clients.
/// </summary>
public sealed class ReplicaReady
{
    /// <summary>Files to replace atomically in the replica's durable directory (name, content).</summary>
    public IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> Writes { get; init; } = [];

    /// <summary>Bytes to append to files (name, bytes; a missing file is created), synced before any message is sent: a replica log's records.</summary>
    public IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> Appends { get; init; } = [];

    /// <summary>Files to delete once the writes and appends are durable (a log segment a snapshot covers).</summary>
    public IReadOnlyList<string> Deletes { get; init; } = [];

    /// <summary>Messages to send once the writes are durable.</summary>
    public IReadOnlyList<IProtocolMessage> Messages { get; init; } = [];

    /// <summary>Responses to client requests, by request id: the <see cref="ModelOutcome.Response"/> of the request's command.</summary>
    public IReadOnlyList<KeyValuePair<long, ReadOnlyMemory<byte>>> Responses { get; init; } = [];
}
