using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>The replication face of a <see cref="SimCluster"/>: client requests and replica state (the nodes run in <see cref="Hosts.ReplicaHost"/>).</summary>
public sealed partial class SimCluster
{
    private readonly Dictionary<string, Distribution> _measuredByCrashed = new(StringComparer.Ordinal);

    /// <summary>
    /// Submits a client request to a replica and processes what follows (its <see cref="ReplicaReady"/>); the response
    /// comes in a later batch, or never. Returns what the replica said (a refusal carries its reason), or null, and submits
    /// nothing, when the replica is down or paused.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cluster runs a consensus strategy (use <see cref="Propose"/>).</exception>
    public SubmitResult? Submit(NodeId node, long requestId, KvCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (_replication is null)
        {
            throw new InvalidOperationException("Submit is for replication clusters; a consensus cluster takes proposals (Propose, ReadIndex).");
        }

        return _replicas!.Submit(_nodes[IndexOf(node)], requestId, command);
    }

    /// <summary>The running replica a strategy-specific test may inspect, or null when down (always on a consensus cluster).</summary>
    public IReplicaNode? GetReplica(NodeId node) => _nodes[IndexOf(node)].Replica;

    /// <summary>
    /// The replica's contents as text (<see cref="IReplicaNode.Contents"/> read with <see cref="KvModel.Text"/>): each key's
    /// value, or its siblings' values sorted and joined by <c>" | "</c>; null when the replica is down or the cluster runs consensus.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ReplicaContents(NodeId node) =>
        _nodes[IndexOf(node)].Replica?.Contents() is { } contents
            ? ReplicaTexts.Of(contents).ToDictionary(p => p.Key, p => string.Join(" | ", p.Value), StringComparer.Ordinal)
            : null;

    /// <summary>The replica's versions of every key as it keeps them (<see cref="IReplicaNode.Contents"/>), or null when it is down or the cluster runs consensus.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Kernel.Sdk.Conflict.VersionedValue>>? ReplicaVersions(NodeId node) => _nodes[IndexOf(node)].Replica?.Contents();

    /// <summary>Responses the replica gave to client requests since the cluster was created, oldest first (when applied entries are recorded).</summary>
    public IReadOnlyList<KeyValuePair<long, KvResult>> Responses(NodeId node) => _nodes[IndexOf(node)].Responses;

    /// <summary>
    /// What the replicas measured (<see cref="IMeasuredReplica"/>), by measurement: summed over every replica now up and every
    /// incarnation a crash ended. Empty when no replica measures anything, and on a consensus cluster.
    /// </summary>
    public IReadOnlyDictionary<string, Distribution> Measurements
    {
        get
        {
            var all = new Dictionary<string, Distribution>(StringComparer.Ordinal);
            Distribution.Merge(_measuredByCrashed, all);
            foreach (var n in _nodes.Skip(1))
            {
                Distribution.Collect(n.Replica, all);
            }

            return all;
        }
    }

    private void RequireConsensus()
    {
        if (_strategy is null)
        {
            throw new InvalidOperationException("This cluster runs a replication strategy: it has no log, leader or membership; submit requests with Submit.");
        }
    }
}
