using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Simulation;
using UltimateReplication.RealTime;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.RealTime;

/// <summary>real-time replication step by step: a push per write, the lag measured, a peer over budget caught up (not skipped).</summary>
public sealed class RealTimeReplicaTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);

    private static SimCluster Quiet(RealTimeFlaw flaw = RealTimeFlaw.None) => SimCluster.Create(new RealTimeStrategy(flaw), new SimulationOptions
    {
        Nodes = 3,
        Faults = SimFaults.None,
        StrategyOptions = SyncQuorumVerifyTests.Options(("antiEntropyIntervalTicks", "0")),
    });

    private static RealTimeReplica Replica(SimCluster c, NodeId n) => (RealTimeReplica)c.GetReplica(n)!;

    private static bool Everywhere(SimCluster c, string key, string? value) =>
        c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault(key) == value);

    [Fact]
    public void Each_write_is_pushed_to_every_peer_and_its_lag_is_measured_within_the_budget()
    {
        var cluster = Quiet();
        cluster.RunFor(TimeSpan.FromMilliseconds(200)); // the start-up catch-up with every peer
        Assert.Empty(Replica(cluster, N1).CatchingUp);
        for (var i = 1; i <= 20; i++)
        {
            cluster.Submit(N1, i, new KvCommand(KvOp.Put, "k" + i, "v" + i));
            cluster.RunFor(TimeSpan.FromMilliseconds(30));
        }

        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.True(Everywhere(cluster, "k20", "v20"));
        var lag = Replica(cluster, N1).Lag;
        Assert.Equal(40, lag.Count); // 20 writes, each pushed to 2 peers and acknowledged once
        Assert.InRange(lag.Max, 0, 50);
        Assert.InRange(lag.Percentile(0.99), 0, 2); // 1-5 ms messages at 10 ms ticks: acknowledged within a tick or two
        Assert.Empty(Replica(cluster, N1).BudgetEvents);
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void A_peer_over_the_budget_is_reported_and_caught_up_after_the_heal_not_skipped()
    {
        var cluster = Quiet();
        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        cluster.Partition([N1, N2], [N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "a", "v1"));
        cluster.RunFor(TimeSpan.FromMilliseconds(800)); // beyond the 500 ms budget
        var n1 = Replica(cluster, N1);
        var exceeded = Assert.Single(n1.BudgetEvents);
        Assert.Equal(N3, exceeded.Peer);
        Assert.True(exceeded.LagTicks > 50);
        Assert.Equal([N3], n1.CatchingUp);

        cluster.Submit(N1, 2, new KvCommand(KvOp.Put, "b", "v2")); // written while n3 catches up: no push to n3, not lost either
        cluster.Heal();
        Assert.True(cluster.RunUntil(c => Everywhere(c, "a", "v1") && Everywhere(c, "b", "v2"), TimeSpan.FromSeconds(1)));
        Assert.True(cluster.RunUntil(_ => n1.CatchingUp.Count == 0, TimeSpan.FromSeconds(1)));

        // Back to a push per write.
        var before = n1.Lag.Count;
        cluster.Submit(N1, 3, new KvCommand(KvOp.Put, "c", "v3"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "c", "v3") && n1.Lag.Count == before + 2, TimeSpan.FromMilliseconds(200)));
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void The_broken_variant_drops_the_writes_of_a_peer_over_the_budget()
    {
        var cluster = Quiet(RealTimeFlaw.DropOverBudget);
        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        cluster.Partition([N1, N2], [N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "a", "v1"));
        cluster.RunFor(TimeSpan.FromMilliseconds(800));
        Assert.Single(Replica(cluster, N1).BudgetEvents);
        cluster.Heal();
        cluster.RunFor(TimeSpan.FromSeconds(2));
        Assert.Null(cluster.ReplicaContents(N3)!.GetValueOrDefault("a"));
    }

    [Fact]
    public void A_restarted_replica_catches_its_peers_up_with_the_writes_it_had_not_pushed()
    {
        var cluster = Quiet();
        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        cluster.Partition([N1], [N2, N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "a", "v1"));
        cluster.RunFor(TimeSpan.FromMilliseconds(100)); // within the budget: still pending when n1 crashes
        cluster.Crash(N1);
        cluster.Heal();
        cluster.Restart(N1);
        Assert.True(cluster.RunUntil(c => Everywhere(c, "a", "v1"), TimeSpan.FromSeconds(1)));
    }
}
