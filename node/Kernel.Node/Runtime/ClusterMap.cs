using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Node.Runtime;

/// <summary>
/// The members of a cluster as the runtime and the transport see them: each member's etcd-style 64-bit id and its
/// consensus <see cref="NodeId"/> (1 to n in the order of the members' ids, so every member derives the same numbering from
/// the same initial cluster), and the cluster's id.
/// </summary>
internal sealed class ClusterMap
{
    private readonly Dictionary<NodeId, MemberInfo> _byNode = [];
    private readonly Dictionary<ulong, NodeId> _byMember = [];

    /// <summary>Numbers the members.</summary>
    /// <param name="clusterId">The cluster's id.</param>
    /// <param name="members">Every member (distinct ids).</param>
    /// <param name="self">This member's id.</param>
    public ClusterMap(ulong clusterId, IEnumerable<MemberInfo> members, ulong self)
    {
        ClusterId = clusterId;
        Members = members.OrderBy(m => m.Id).ToArray();
        for (var i = 0; i < Members.Count; i++)
        {
            var node = new NodeId(i + 1);
            if (!_byMember.TryAdd(Members[i].Id, node))
            {
                throw new ArgumentException($"Two members have the id {Members[i].Id:x16}.", nameof(members));
            }

            _byNode[node] = Members[i];
        }

        Self = _byMember.TryGetValue(self, out var me)
            ? me
            : throw new ArgumentException($"This member ({self:x16}) is not one of the cluster's members.", nameof(self));
        SelfMember = _byNode[Self];
        Membership = new Membership(_byNode.Where(e => !e.Value.IsLearner).Select(e => e.Key), _byNode.Where(e => e.Value.IsLearner).Select(e => e.Key));
    }

    /// <summary>The cluster's id.</summary>
    public ulong ClusterId { get; }

    /// <summary>Every member, ordered by id.</summary>
    public IReadOnlyList<MemberInfo> Members { get; }

    /// <summary>This member's consensus node id.</summary>
    public NodeId Self { get; }

    /// <summary>This member.</summary>
    public MemberInfo SelfMember { get; }

    /// <summary>The initial membership (voters and learners).</summary>
    public Membership Membership { get; }

    /// <summary>The other members' node ids.</summary>
    public IEnumerable<NodeId> Peers => _byNode.Keys.Where(n => n != Self).Order();

    /// <summary>The member of a node id, or null.</summary>
    public MemberInfo? MemberOf(NodeId node) => _byNode.GetValueOrDefault(node);

    /// <summary>The node id of a member id, or <see cref="NodeId.None"/>.</summary>
    public NodeId NodeOf(ulong memberId) => _byMember.GetValueOrDefault(memberId);
}
