using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Simulation;
using UltimateReplication.Crdt;
using UltimateReplication.Tests.MultiMaster;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.Crdt;

/// <summary>CRDT replication step by step: types by name, concurrent updates joined, delta intervals, the full-state fallback.</summary>
public sealed class CrdtReplicaTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static SimCluster Quiet(params (string Key, string Value)[] options) => SimCluster.Create(new CrdtStrategy(), new SimulationOptions
    {
        Nodes = 3,
        Faults = SimFaults.None,
        StrategyOptions = SyncQuorumVerifyTests.Options(options),
        Strategies = ConflictStrategies.Instance,
    });

    private static CrdtReplica Replica(SimCluster c, NodeId n) => (CrdtReplica)c.GetReplica(n)!;

    private static bool Everywhere(SimCluster c, string key, string? value) =>
        c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault(key) == value);

    [Fact]
    public void The_default_register_serves_puts_appends_and_compare_and_sets_and_converges_on_the_last_writer()
    {
        var cluster = Quiet();
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v1"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "v1"), Second));
        cluster.Submit(N2, 2, new KvCommand(KvOp.Append, "k", "+2"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "v1+2"), Second));
        cluster.Submit(N3, 3, new KvCommand(KvOp.Cas, "k", "v3", "v1+2"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "v3"), Second));
        Assert.Equal(new KvResult(true, "v3"), cluster.Responses(N3)[^1].Value);
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void Increments_made_apart_are_summed_everywhere_after_the_heal()
    {
        var cluster = Quiet(("type", "crdt/g-counter"));
        cluster.Partition([N1], [N2], [N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "hits", "inc 3"));
        cluster.Submit(N2, 2, new KvCommand(KvOp.Put, "hits", "inc 2"));
        cluster.Submit(N2, 3, new KvCommand(KvOp.Put, "hits", "inc"));
        cluster.Submit(N3, 4, new KvCommand(KvOp.Put, "hits", "inc 10"));
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.Equal("3", Replica(cluster, N1).Read("hits"));
        cluster.Heal();
        Assert.True(cluster.RunUntil(c => Everywhere(c, "hits", "16"), Second));
        cluster.Submit(N3, 5, new KvCommand(KvOp.Get, "hits"));
        Assert.Equal(new KvResult(true, "16"), cluster.Responses(N3)[^1].Value);
    }

    [Fact]
    public void Adds_made_apart_are_all_present_after_the_heal_and_a_remove_wins_only_over_what_it_saw()
    {
        var cluster = Quiet(("type", "crdt/or-set"));
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "s", "add a"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "s", "[a]"), Second));
        cluster.Partition([N1], [N2, N3]);
        cluster.Submit(N1, 2, new KvCommand(KvOp.Put, "s", "remove a"));
        cluster.Submit(N2, 3, new KvCommand(KvOp.Put, "s", "add a")); // concurrent with the remove: add wins
        cluster.Submit(N3, 4, new KvCommand(KvOp.Put, "s", "add b"));
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        cluster.Heal();
        Assert.True(cluster.RunUntil(c => Everywhere(c, "s", "[a, b]"), Second), cluster.ReplicaContents(N1)!["s"]);
    }

    [Fact]
    public void A_neighbour_whose_deltas_left_the_buffer_gets_the_full_states_of_the_differing_ranges()
    {
        var cluster = Quiet(("type", "crdt/g-set"), ("maxDeltas", "2"), ("antiEntropyIntervalTicks", "0"));
        cluster.RunFor(TimeSpan.FromMilliseconds(100));
        cluster.Partition([N1, N2], [N3]);
        for (var i = 0; i < 10; i++)
        {
            cluster.Submit(N1, i, new KvCommand(KvOp.Put, "k" + i, "add x" + i));
        }

        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        var before = Replica(cluster, N1).Sent;
        cluster.Heal();
        Assert.True(cluster.RunUntil(c => Enumerable.Range(0, 10).All(i => Everywhere(c, "k" + i, "[x" + i + "]")), Second));
        Assert.True(Replica(cluster, N1).Sent.FullStates > before.FullStates);
    }

    [Fact]
    public void A_write_the_type_cannot_take_is_refused_with_the_operations_it_accepts()
    {
        var cluster = Quiet(("type", "crdt/g-counter"));
        var refused = cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "hits", "v1"));
        Assert.False(refused!.Value.Accepted);
        Assert.Contains("inc N", refused.Value.Reason, StringComparison.Ordinal);
        Assert.Contains("crdt/g-counter", refused.Value.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_restarted_replica_sends_its_neighbours_the_full_states_its_lost_deltas_carried()
    {
        var cluster = Quiet(("type", "crdt/g-counter"), ("antiEntropyIntervalTicks", "0"));
        cluster.Partition([N1], [N2, N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "hits", "inc 4"));
        cluster.RunFor(TimeSpan.FromMilliseconds(100));
        cluster.Crash(N1);
        cluster.Heal();
        cluster.Restart(N1);
        Assert.True(cluster.RunUntil(c => Everywhere(c, "hits", "4"), Second));
    }
}
