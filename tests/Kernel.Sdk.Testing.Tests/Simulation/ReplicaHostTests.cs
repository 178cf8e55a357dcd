using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>The replica host of <see cref="SimCluster"/>: submit, persist, send, respond, crash and recover.</summary>
public sealed class ReplicaHostTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);

    private static SimulationOptions Quiet => new() { Nodes = 3, Faults = SimFaults.None };

    [Fact]
    public void A_replica_answers_after_its_atomic_writes_and_recovers_them_after_a_crash()
    {
        var cluster = SimCluster.Create(new ToyLwwStrategy(), Quiet);
        Assert.Equal(ReplicationGuarantee.Convergent, cluster.Guarantee);
        Assert.Equal(SubmitResult.Ok, cluster.Submit(N1, 42, new KvCommand(KvOp.Put, "k", "v1")));

        var response = Assert.Single(cluster.Responses(N1));
        Assert.Equal(42, response.Key);
        Assert.Equal(new KvResult(true, "v1"), response.Value);
        Assert.Contains("key.k", cluster.Disk(N1).List());

        cluster.Crash(N1);
        Assert.False(cluster.IsUp(N1));
        Assert.Null(cluster.ReplicaContents(N1));
        Assert.Null(cluster.Submit(N1, 43, new KvCommand(KvOp.Get, "k")));
        cluster.Restart(N1);
        Assert.Equal("v1", cluster.ReplicaContents(N1)!["k"]);
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void What_replicas_measure_is_summed_over_replicas_and_over_the_incarnations_a_crash_ended()
    {
        var cluster = SimCluster.Create(new ToyLwwStrategy(), Quiet);
        Assert.Empty(cluster.Measurements);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v1"));
        cluster.Submit(N1, 2, new KvCommand(KvOp.Put, "key", "v1"));
        cluster.Submit(N2, 3, new KvCommand(KvOp.Put, "k", "v2"));
        cluster.Crash(N1);
        cluster.Restart(N1);
        cluster.Submit(N1, 4, new KvCommand(KvOp.Get, "k"));

        var d = cluster.Measurements["submit-key-chars"];
        Assert.Equal(4, d.Count);
        Assert.Equal([new(1, 3), new KeyValuePair<long, long>(3, 1)], d.Counts);
        Assert.Equal(1, d.Percentile(0.5));
        Assert.Equal(3, d.Percentile(0.99));
        Assert.Equal(3, d.Max);
        Assert.Equal("4 measured: p50 1, p90 3, p99 3, max 3", d.ToString());

        // Read twice, the figures stay: reading them adds nothing.
        Assert.Equal(4, cluster.Measurements["submit-key-chars"].Count);
    }

    [Fact]
    public void A_replica_shows_its_versions_and_refuses_what_it_cannot_carry_out()
    {
        var cluster = SimCluster.Create(new ToyLwwStrategy(), Quiet);
        cluster.Submit(N2, 1, new KvCommand(KvOp.Put, "k", "v1"));
        var version = Assert.Single(cluster.ReplicaVersions(N2)!["k"]);
        Assert.Equal(N2, version.Replica);
        Assert.Equal("v1"u8.ToArray(), version.Value.ToArray());
        Assert.True(version.Timestamp > 0);

        // A compare-and-set to null deletes under the key-value model; the toy keeps no tombstones, so it says no.
        var refused = cluster.Submit(N2, 2, new KvCommand(KvOp.Cas, "k", null, "v1"));
        Assert.False(refused!.Value.Accepted);
        Assert.Contains("tombstones", refused.Value.Reason, StringComparison.Ordinal);
        Assert.Equal("v1", cluster.ReplicaContents(N2)!["k"]);
    }

    [Fact]
    public void A_response_that_is_not_the_models_is_a_violation()
    {
        var cluster = SimCluster.Create(new GarbledLwwStrategy(), Quiet);
        cluster.Submit(N1, 7, new KvCommand(KvOp.Put, "k", "v1"));
        var violation = Assert.Single(cluster.Violations);
        Assert.Contains("answered request 7 with 3 byte(s) that are not a key-value response", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crash_loses_what_a_replica_acknowledged_without_writing()
    {
        var cluster = SimCluster.Create(new ToyLwwStrategy(LwwFlaw.AckBeforePersist), Quiet);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v1"));
        Assert.True(Assert.Single(cluster.Responses(N1)).Value.Ok);
        Assert.DoesNotContain("key.k", cluster.Disk(N1).List());

        cluster.Crash(N1);
        cluster.Restart(N1);
        Assert.False(cluster.ReplicaContents(N1)!.ContainsKey("k"));
    }

    [Fact]
    public void Replicas_talk_through_the_simulated_network_and_partitions_hold_them_apart()
    {
        var cluster = SimCluster.Create(new ToyLwwStrategy(), Quiet);
        cluster.Partition([N1], [N2, N3]);
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v1"));
        cluster.RunFor(TimeSpan.FromSeconds(1));
        Assert.False(cluster.ReplicaContents(N2)!.ContainsKey("k"));
        Assert.True(cluster.Counters(N1).MessagesDropped > 0);

        cluster.Heal();
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault("k") == "v1"), TimeSpan.FromSeconds(2)));
        Assert.True(cluster.Counters(N2).MessagesReceived > 0);
    }

    [Fact]
    public void The_log_members_refuse_a_replication_cluster_and_submit_refuses_a_consensus_one()
    {
        var replicas = SimCluster.Create(new ToyLwwStrategy());
        Assert.Throws<InvalidOperationException>(() => replicas.Propose(N1, new byte[] { 1 }));
        Assert.Throws<InvalidOperationException>(() => replicas.ReadIndex(N1, new byte[] { 1 }));
        Assert.Equal(NodeId.None, replicas.Leader());
        Assert.Null(replicas.Status(N1));
        Assert.Null(replicas.GetNode(N1));
        Assert.NotNull(replicas.GetReplica(N1));

        var consensus = SimCluster.Create(new ToyRaftStrategy());
        Assert.Null(consensus.Guarantee);
        Assert.Null(consensus.GetReplica(N1));
        Assert.Throws<InvalidOperationException>(() => consensus.Submit(N1, 1, new KvCommand(KvOp.Get, "k")));
    }

    [Fact]
    public void Responses_complete_the_workloads_operations_and_a_seed_replays_to_the_same_trace()
    {
        var options = new SimulationOptions { Seed = 5, SafetyDuration = TimeSpan.FromSeconds(3) };
        var a = Simulator.Run(new ToyPrimaryBackupStrategy(), options);
        var b = Simulator.Run(new ToyPrimaryBackupStrategy(), options);
        Assert.Empty(a.Violations);
        Assert.True(a.Operations.Ok > 50, $"{a.Operations}");
        Assert.True(a.History.EventCount >= 2 * a.Operations.Ok, "each completed operation has an invoke and a completion");
        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.NotEqual(a.TraceHash, Simulator.Run(new ToyPrimaryBackupStrategy(), options with { Seed = 6 }).TraceHash);
    }

    [Theory]
    [InlineData("v3", true)]
    [InlineData("v3+4+5", true)]
    [InlineData("+4", true)]
    [InlineData("+5+4", true)]
    [InlineData("v9", false)] // never written to this key
    [InlineData("+4v3", false)] // a put value after an append suffix
    [InlineData("v3+4+4", false)] // one append applied twice
    [InlineData("", false)]
    [InlineData("garbage", false)]
    public void A_converged_value_must_be_made_of_writes_sent_to_its_key(string value, bool made)
    {
        var written = new HashSet<string>(StringComparer.Ordinal) { "v3", "+4", "+5" };
        Assert.Equal(made, Simulator.Unwritten(value, written) is null);
        Assert.NotNull(Simulator.Unwritten("v3", null));
    }
}

/// <summary>toy-lww whose replicas answer with bytes that are not the key-value model's responses.</summary>
internal sealed class GarbledLwwStrategy : IReplicationStrategy
{
    private readonly ToyLwwStrategy _inner = new();

    public Kernel.Sdk.Strategies.StrategyCategory Category => _inner.Category;

    public string Name => "garbled-lww";

    public string Description => "toy-lww with garbled responses";

    public ReplicationGuarantee Guarantee => _inner.Guarantee;

    public IMessageCodec Codec => _inner.Codec;

    public IReadOnlyList<string> ValidateOptions(Microsoft.Extensions.Configuration.IConfiguration options) => [];

    public IReplicaNode CreateReplica(ReplicaOptions options) => new Garbled(_inner.CreateReplica(options));

    private sealed class Garbled(IReplicaNode inner) : IReplicaNode
    {
        public NodeId Id => inner.Id;

        public bool HasReady => inner.HasReady;

        public void Tick() => inner.Tick();

        public void Step(IProtocolMessage message) => inner.Step(message);

        public SubmitResult Submit(long requestId, ReplicaCommand command) => inner.Submit(requestId, command);

        public ReplicaReady GetReady()
        {
            var ready = inner.GetReady();
            return new ReplicaReady
            {
                Writes = ready.Writes,
                Messages = ready.Messages,
                Responses = [.. ready.Responses.Select(r => new KeyValuePair<long, ReadOnlyMemory<byte>>(r.Key, new byte[] { 7, 7, 7 }))],
            };
        }

        public void Advance(ReplicaReady ready) => inner.Advance(ready);

        public IReadOnlyDictionary<string, IReadOnlyList<Kernel.Sdk.Conflict.VersionedValue>> Contents() => inner.Contents();
    }
}
