using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>
/// The heal-time restoration of membership (verify seed 52 at 3 nodes with maxBatchEntries=2, maxInflightAppends=4):
/// a paused leader of an old term resumes at the heal still claiming leadership with every node a voter, while the
/// cluster has removed a node in a later term. Asking it and stopping left the removed node out, and the final
/// acknowledged-write check then reported it as a lost write. The nodes here are scripted so the sequence is exact.
/// </summary>
public sealed class MembershipRestorationTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);

    private static (SimCluster Cluster, Nemesis Nemesis, ScriptedStrategy World) StaleLeaderAtHeal(TimeSpan? livenessTimeout = null)
    {
        var world = new ScriptedStrategy();
        var cluster = SimCluster.Create(world, new SimulationOptions
        {
            Seed = 52,
            Nodes = 3,
            Faults = SimFaults.Membership,
            LivenessTimeout = livenessTimeout ?? TimeSpan.FromSeconds(10),
        });

        // n2 was removed in term 8 (it led, removed itself and stepped down); n3, paused since term 7, still leads there.
        var withoutN2 = new Membership([N1, N3]);
        world[N1].Set(ConsensusRole.Follower, 8, NodeId.None, withoutN2);
        world[N2].Set(ConsensusRole.Follower, 8, NodeId.None, withoutN2);
        world[N3].Set(ConsensusRole.Leader, 7, N3, new Membership([N1, N2, N3]));
        return (cluster, new Nemesis(cluster), world);
    }

    [Fact]
    public void A_stale_leader_showing_every_node_a_voter_does_not_end_the_restoration()
    {
        var (cluster, nemesis, world) = StaleLeaderAtHeal();
        nemesis.HealAll();
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.True(nemesis.RestoringMembership, "the stale leader's view must not count as the cluster's membership");

        // The real leader emerges in term 9 (n3 learns of the later term and steps down).
        world[N1].Set(ConsensusRole.Leader, 9, N1, world[N1].Membership);
        world[N3].Set(ConsensusRole.Follower, 9, N1, world[N1].Membership);
        cluster.RunUntil(_ => !nemesis.RestoringMembership, TimeSpan.FromSeconds(5));

        Assert.False(nemesis.RestoringMembership);
        Assert.Empty(cluster.Violations);
        Assert.Equal([(MembershipChangeKind.AddLearner, N2), (MembershipChangeKind.AddVoter, N2)], world[N1].Changes);
        Assert.All(cluster.Nodes, id => Assert.True(world[N1].Membership.IsVoter(id)));
        Assert.All(cluster.Nodes, id => Assert.Equal(9, cluster.Status(id)!.Term));
    }

    [Fact]
    public void A_membership_that_cannot_be_restored_is_a_liveness_violation_within_the_timeout()
    {
        var (cluster, nemesis, _) = StaleLeaderAtHeal(TimeSpan.FromSeconds(2));
        nemesis.HealAll();
        cluster.RunFor(TimeSpan.FromSeconds(3));

        Assert.False(nemesis.RestoringMembership);
        var violation = Assert.Single(cluster.Violations);
        Assert.Equal(ViolationKinds.Liveness, violation.Kind);
        Assert.Contains("membership not restored within 2.0s", violation.Message, StringComparison.Ordinal);
        Assert.Contains("n1 is in term 8", violation.Message, StringComparison.Ordinal);
    }

    /// <summary>Nodes whose status the test sets; a leader applies a membership change at once (all its followers see it, committed).</summary>
    private sealed class ScriptedStrategy : IConsensusStrategy
    {
        private readonly Dictionary<NodeId, ScriptedNode> _nodes = [];

        public StrategyCategory Category => StrategyCategory.Consensus;

        public string Name => "scripted";

        public string Description => "scripted statuses";

        public IMessageCodec Codec { get; } = new NoCodec();

        public ConsensusCapabilities Capabilities { get; } = new() { MembershipChanges = MembershipChanges.SingleServer, LeadershipTransfer = true, ReadIndex = true };

        public ScriptedNode this[NodeId id] => _nodes[id];

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => [];

        public IConsensusStorage OpenStorage(IDurableDirectory directory) => new PingStrategy.NoStorage();

        public IConsensusNode CreateNode(ConsensusNodeOptions options)
        {
            var node = new ScriptedNode(this, options.Id, options.InitialMembership);
            _nodes[options.Id] = node;
            return node;
        }

        public IEnumerable<ScriptedNode> Followers(ScriptedNode leader) =>
            _nodes.Values.Where(n => n != leader && leader.Membership.All.Contains(n.Id));
    }

    private sealed class ScriptedNode(ScriptedStrategy world, NodeId id, Membership membership) : IConsensusNode
    {
        private ConsensusRole _role = ConsensusRole.Follower;
        private NodeId _leader;
        private long _index;

        public NodeId Id => id;

        public long Term { get; private set; }

        public Membership Membership { get; private set; } = membership;

        public List<(MembershipChangeKind, NodeId)> Changes { get; } = [];

        public ConsensusStatus Status => new(id, _role, Term, _leader, _index, _index, _index, Membership);

        public bool HasReady => false;

        public void Set(ConsensusRole role, long term, NodeId leader, Membership view) =>
            (_role, Term, _leader, Membership) = (role, term, leader, view);

        public void Tick()
        {
        }

        public void Step(IProtocolMessage message)
        {
        }

        public ProposeResult Propose(ReadOnlyMemory<byte> command) => ProposeResult.Refused("scripted");

        public ProposeResult ProposeMembershipChange(MembershipChange change)
        {
            if (_role != ConsensusRole.Leader)
            {
                return ProposeResult.Refused("not the leader");
            }

            Changes.Add((change.Kind, change.Node));
            Membership = change.Kind switch
            {
                MembershipChangeKind.AddLearner => new Membership(Membership.Voters, [.. Membership.Learners, change.Node]),
                MembershipChangeKind.AddVoter => new Membership([.. Membership.Voters, change.Node], Membership.Learners.Where(l => l != change.Node)),
                _ => throw new NotSupportedException(change.Kind.ToString()),
            };
            _index++;
            foreach (var follower in world.Followers(this))
            {
                follower.Set(ConsensusRole.Follower, Term, id, Membership);
            }

            return ProposeResult.Ok(_index, Term);
        }

        public bool ReadIndex(ReadOnlyMemory<byte> context) => false;

        public bool TransferLeadership(NodeId target) => false;

        public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData) => null;

        public Ready GetReady() => new();

        public void Advance(Ready ready)
        {
        }
    }

    private sealed class NoCodec : IMessageCodec
    {
        public void Encode(IProtocolMessage message, System.Buffers.IBufferWriter<byte> output) =>
            throw new NotSupportedException("scripted nodes send nothing");

        public IProtocolMessage Decode(ReadOnlySpan<byte> input) => throw new NotSupportedException("scripted nodes send nothing");
    }
}
