using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using UltimateReplication.MultiMaster;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.MultiMaster;

/// <summary>multi-master replication step by step on a quiet simulated cluster: concurrent writes, resolvers, siblings, tombstones, restarts.</summary>
public sealed class MultiMasterReplicaTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static SimCluster Quiet(params (string Key, string Value)[] options) => SimCluster.Create(new MultiMasterStrategy(), new SimulationOptions
    {
        Nodes = 3,
        Faults = SimFaults.None,
        StrategyOptions = SyncQuorumVerifyTests.Options(options),
        Strategies = ConflictStrategies.Instance,
    });

    private static bool Everywhere(SimCluster c, string key, string? value) =>
        c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault(key) == value);

    /// <summary>
    /// Cut off from each other, n1 writes the key twice (timestamps 1 and 2) and n2 once (timestamp 1); after the heal every
    /// replica holds the version the resolver picks.
    /// </summary>
    private static SimCluster ConcurrentWrites(params (string Key, string Value)[] options)
    {
        var cluster = Quiet(options);
        cluster.Partition([N1], [N2, N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "a1"));
        cluster.Submit(N1, 2, new KvCommand(KvOp.Put, "k", "a2"));
        cluster.Submit(N2, 3, new KvCommand(KvOp.Put, "k", "b1"));
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.Equal("a2", cluster.ReplicaContents(N1)!["k"]);
        Assert.Equal("b1", cluster.ReplicaContents(N3)!["k"]); // every replica takes writes: n2's reached n3
        cluster.Heal();
        return cluster;
    }

    [Theory]
    [InlineData(null, "a2")]
    [InlineData("conflict/last-writer-wins", "a2")]
    [InlineData("conflict/first-writer-wins", "b1")]
    public void Concurrent_writes_on_a_partition_are_resolved_the_same_everywhere_after_the_heal(string? resolver, string winner)
    {
        var cluster = resolver is null ? ConcurrentWrites() : ConcurrentWrites(("resolver", resolver));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", winner), Second), string.Join(", ", cluster.Nodes.Select(n => cluster.ReplicaContents(n)!.GetValueOrDefault("k"))));
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.True(Everywhere(cluster, "k", winner));
        Assert.Single(cluster.ReplicaVersions(N3)!["k"]);
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void The_vector_clock_resolver_keeps_siblings_everywhere_and_a_later_write_supersedes_them()
    {
        var cluster = ConcurrentWrites(("resolver", "conflict/vector-clock"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "a2 | b1"), Second));
        var siblings = cluster.ReplicaVersions(N2)!["k"];
        Assert.Equal(2, siblings.Count);
        Assert.Equal(VersionOrder.Concurrent, siblings[0].Clock.Compare(siblings[1].Clock));

        // A read sees the latest sibling (timestamp 2, n1's); an append builds on it and has seen both, so it supersedes both.
        cluster.Submit(N3, 4, new KvCommand(KvOp.Get, "k"));
        Assert.Equal(new KvResult(true, "a2"), Assert.Single(cluster.Responses(N3)).Value);
        // A compare-and-set that fails changes nothing: the siblings stay.
        cluster.Submit(N3, 6, new KvCommand(KvOp.Cas, "k", "z", "b1"));
        Assert.Equal(new KvResult(false, "a2"), cluster.Responses(N3)[^1].Value);
        cluster.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.True(Everywhere(cluster, "k", "a2 | b1"));

        cluster.Submit(N3, 5, new KvCommand(KvOp.Append, "k", "+c"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "a2+c"), Second));
        var one = Assert.Single(cluster.ReplicaVersions(N1)!["k"]);
        Assert.Equal(VersionOrder.After, one.Clock.Compare(siblings[0].Clock));
        Assert.Equal(VersionOrder.After, one.Clock.Compare(siblings[1].Clock));
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void A_delete_is_a_tombstone_that_wins_or_loses_like_any_version()
    {
        var cluster = Quiet();
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "v"), Second));
        cluster.Submit(N2, 2, new KvCommand(KvOp.Cas, "k", null, "v"));
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", null), Second));
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.Count == 0), Second));

        // Concurrent with puts on n1, the delete wins by (timestamp, replica): 4 on n2 against 4 on n1.
        ConcurrentPutsAndDelete(cluster, puts: 2);
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", null), Second));
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.True(Everywhere(cluster, "k", null));

        // ... and loses to a later one: 7 on n1 against 6 on n2.
        ConcurrentPutsAndDelete(cluster, puts: 3);
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "w3"), Second));
        Assert.Empty(cluster.Violations);
    }

    private static void ConcurrentPutsAndDelete(SimCluster cluster, int puts)
    {
        cluster.Partition([N1], [N2, N3]);
        for (var i = 1; i <= puts; i++)
        {
            cluster.Submit(N1, 100 + i, new KvCommand(KvOp.Put, "k", "w" + i));
        }

        cluster.Submit(N2, 200, new KvCommand(KvOp.Put, "k", "x"));
        cluster.Submit(N2, 201, new KvCommand(KvOp.Cas, "k", null, "x"));
        cluster.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Null(cluster.ReplicaContents(N3)!.GetValueOrDefault("k"));
        cluster.Heal();
    }

    [Fact]
    public void A_restarted_replica_keeps_what_it_acknowledged_and_catches_up()
    {
        var cluster = Quiet();
        for (var i = 0; i < 5; i++)
        {
            cluster.Submit(N2, i, new KvCommand(KvOp.Append, "k", "+" + i));
        }

        Assert.Equal(5, cluster.Responses(N2).Count);
        cluster.Crash(N2);
        cluster.Restart(N2);
        Assert.Equal("+0+1+2+3+4", cluster.ReplicaContents(N2)!["k"]);
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "+0+1+2+3+4"), Second));

        cluster.Crash(N3);
        cluster.Submit(N1, 9, new KvCommand(KvOp.Append, "k", "+9"));
        cluster.Submit(N1, 10, new KvCommand(KvOp.Put, "j", "x"));
        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        cluster.Restart(N3);
        Assert.True(cluster.RunUntil(c => Everywhere(c, "k", "+0+1+2+3+4+9") && Everywhere(c, "j", "x"), Second));
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void Options_are_validated_each_error_naming_its_option()
    {
        var strategy = new MultiMasterStrategy();
        Assert.Empty(strategy.ValidateOptions(SyncQuorumVerifyTests.Options()));
        var errors = strategy.ValidateOptions(SyncQuorumVerifyTests.Options(("resolver", "crdt/g-counter"), ("pushIntervalTicks", "0"), ("bogus", "1")));
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Option 'resolver' is 'crdt/g-counter', a crdt strategy; expected a conflict strategy", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'pushIntervalTicks'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'bogus'", StringComparison.Ordinal));

        // Whether a named resolver exists is the kernel's check (a reference it resolves), not the strategy's.
        var options = SyncQuorumVerifyTests.Options(("resolver", "no-such"));
        Assert.Empty(strategy.ValidateOptions(options));
        Assert.Equal([new StrategyReference("resolver", StrategyCategory.Conflict, "no-such")], strategy.GetReferences(options));
        var unknown = Quiet(("resolver", "no-such"));
        Assert.Contains(unknown.Violations, v => v.Message.Contains("No conflict/no-such; known: conflict/first-writer-wins", StringComparison.Ordinal));

        // A runtime without strategies to resolve it: the error names the option.
        var none = SimCluster.Create(strategy, new SimulationOptions { Nodes = 3, Faults = SimFaults.None, StrategyOptions = SyncQuorumVerifyTests.Options(("resolver", "vector-clock")) });
        Assert.Contains(none.Violations, v => v.Message.Contains("Option 'resolver' names conflict/vector-clock, but the runtime offers no strategies to resolve it.", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_message_round_trips_through_the_codec()
    {
        var clock = VersionVector.From([new(N1, 3), new(N2, 1)]);
        KeyVersion[] siblings = [new(N1, 7, clock, "v"u8.ToArray()), new(N2, 7, VersionVector.Empty.With(N2, 2), null)];
        MultiMasterMessage[] messages =
        [
            new(MultiMasterMessageType.Push, N1, N2) { Incarnation = 1L << 60, Seq = 9, Keys = [new("k", siblings), new("j", siblings[..1])] },
            new(MultiMasterMessageType.Ack, N2, N1) { Incarnation = 5, Seq = 9 },
            new(MultiMasterMessageType.Digest, N1, N3) { Hashes = [0, ulong.MaxValue, 12345] },
            new(MultiMasterMessageType.Repair, N3, N1) { Reply = true, Ranges = [0, 63], Keys = [new("k", siblings)] },
        ];

        foreach (var message in messages)
        {
            var buffer = new ArrayBufferWriter<byte>();
            MultiMasterCodec.Instance.Encode(message, buffer);
            var back = (MultiMasterMessage)MultiMasterCodec.Instance.Decode(buffer.WrittenSpan);
            Assert.Equal(Show(message), Show(back));
            Assert.Throws<FormatException>(() => MultiMasterCodec.Instance.Decode(buffer.WrittenSpan[..^1]));
        }
    }

    private static string Show(MultiMasterMessage m) =>
        $"{m} {m.Reply} {string.Join(",", m.Hashes)} {string.Join(",", m.Ranges)} " + string.Join(";", m.Keys.Select(k => k.Key + "=" + string.Join("|", k.Versions.Select(v => v.ToString()))));
}
