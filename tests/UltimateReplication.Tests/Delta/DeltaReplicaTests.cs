using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Simulation;
using UltimateReplication.Delta;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.Delta;

/// <summary>delta replication step by step: only what changed travels, a large value as a block delta, the full value when the base is not the peer's.</summary>
public sealed class DeltaReplicaTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);

    private static SimCluster Quiet() => SimCluster.Create(new DeltaStrategy(), new SimulationOptions
    {
        Nodes = 3,
        Faults = SimFaults.None,
        StrategyOptions = SyncQuorumVerifyTests.Options(),
    });

    private static DeltaTraffic Traffic(SimCluster c, NodeId n) => ((DeltaReplica)c.GetReplica(n)!).Traffic;

    private static bool Everywhere(SimCluster c, string key, string? value) =>
        c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault(key) == value);

    private static string Text(int length, int seed)
    {
        var random = new Random(seed);
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + r.Next(26));
            }
        });
    }

    [Fact]
    public void A_deleted_key_reads_as_absent_on_every_replica_not_as_an_empty_value()
    {
        var cluster = Quiet();
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "v"), TimeSpan.FromSeconds(1)));
        cluster.Submit(N2, 2, new KvCommand(KvOp.Cas, "k", null, "v")); // a compare-and-set to null deletes
        Assert.True(cluster.RunUntil(c => c.Responses(N2).Count == 1 && Everywhere(c, "k", null), TimeSpan.FromSeconds(1)));

        foreach (var (n, id) in new[] { (N1, 3L), (N2, 4L), (N3, 5L) })
        {
            cluster.Submit(n, id, new KvCommand(KvOp.Get, "k"));
            Assert.True(cluster.RunUntil(c => c.Responses(n).Any(r => r.Key == id), TimeSpan.FromSeconds(1)));
            Assert.Equal(new KvResult(true, null), cluster.Responses(n).Single(r => r.Key == id).Value); // a tombstone, not ""
        }
    }

    [Fact]
    public void A_mebibyte_value_changed_in_one_byte_ships_a_block_delta_far_smaller_than_the_value()
    {
        var cluster = Quiet();
        var value = Text(1 << 20, 1);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "big", value));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "big", value), TimeSpan.FromSeconds(1)));
        var first = Traffic(cluster, N1);
        Assert.Equal(2, first.Fulls); // the first version goes in full to both peers: they held no base
        var pushBytes = first.PushBytes;
        Assert.True(pushBytes > 2 << 20, $"{pushBytes}");

        var changed = string.Concat(value.AsSpan(0, 500_000), "#", value.AsSpan(500_001));
        cluster.Submit(N1, 2, new KvCommand(KvOp.Put, "big", changed));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "big", changed), TimeSpan.FromSeconds(1)));
        var second = Traffic(cluster, N1);
        Assert.Equal(2, second.Deltas);
        var shipped = second.PushBytes - pushBytes;
        Assert.True(shipped < 2 * 4096, $"one changed byte of 1 MiB cost {shipped} bytes of pushes to two peers");
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void Only_the_keys_changed_since_what_a_peer_acknowledged_are_sent()
    {
        var cluster = Quiet();
        for (var i = 0; i < 50; i++)
        {
            cluster.Submit(N1, i, new KvCommand(KvOp.Put, "k" + i, "v" + i));
        }

        Assert.True(cluster.RunUntil(c => Everywhere(c, "k49", "v49"), TimeSpan.FromSeconds(1)));
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        var before = Traffic(cluster, N1).FullValueBytes;
        cluster.Submit(N1, 100, new KvCommand(KvOp.Put, "k7", "changed"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k7", "changed"), TimeSpan.FromSeconds(1)));
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2 * "changed".Length, Traffic(cluster, N1).FullValueBytes - before); // one key, to two peers, once
    }

    [Fact]
    public void A_delta_against_a_base_the_peer_no_longer_holds_falls_back_to_the_full_value()
    {
        var cluster = Quiet();
        var v1 = Text(64 * 1024, 2);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", v1));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", v1), TimeSpan.FromSeconds(1)));
        cluster.RunFor(TimeSpan.FromMilliseconds(200));

        // n1 is cut off and still thinks n3 holds v1; n2 gives n3 another version meanwhile.
        cluster.Partition([N1], [N2, N3]);
        var v2 = "x" + v1[1..];
        cluster.Submit(N2, 2, new KvCommand(KvOp.Put, "k", v2));
        Assert.True(cluster.RunUntil(c => c.ReplicaContents(N3)!["k"] == v2, TimeSpan.FromSeconds(1)));
        var v3 = v1[..^1] + "y";
        cluster.Submit(N1, 3, new KvCommand(KvOp.Put, "k", v3));
        cluster.Submit(N1, 4, new KvCommand(KvOp.Append, "k", "z")); // two writes: n1's version is the newest
        cluster.Heal();
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", v3 + "z"), TimeSpan.FromSeconds(2)));
        Assert.True(Traffic(cluster, N3).Fallbacks + Traffic(cluster, N2).Fallbacks >= 1);
        Assert.Empty(cluster.Violations);
    }
}
