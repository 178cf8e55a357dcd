using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Storage.Tests;
using UltimateReplication.Shared;
using UltimateReplication.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.SyncQuorum;

/// <summary>sync-quorum's replica step by step on a quiet simulated cluster: quorums, refusals, repair, recovery.</summary>
public sealed class SyncQuorumReplicaTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);
    private static readonly NodeId N3 = new(3);

    private static SimulationOptions Quiet(params (string Key, string Value)[] options) => new()
    {
        Nodes = 3,
        Faults = SimFaults.None,
        StrategyOptions = SyncQuorumVerifyTests.Options(options),
    };

    [Fact]
    public void A_put_is_acknowledged_once_a_majority_holds_it_and_every_replica_gets_it()
    {
        var cluster = SimCluster.Create(new SyncQuorumStrategy(), Quiet());
        Assert.Equal(SubmitResult.Ok, cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v1")));
        Assert.True(cluster.RunUntil(c => c.Responses(N1).Count == 1, TimeSpan.FromSeconds(1)));
        Assert.Equal(new KvResult(true, "v1"), cluster.Responses(N1)[0].Value);
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault("k") == "v1"), TimeSpan.FromSeconds(1)));

        cluster.Submit(N3, 2, new KvCommand(KvOp.Get, "k"));
        Assert.True(cluster.RunUntil(c => c.Responses(N3).Count == 1, TimeSpan.FromSeconds(1)));
        Assert.Equal(new KvResult(true, "v1"), cluster.Responses(N3)[0].Value);
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void A_read_modify_write_is_refused_with_its_reason()
    {
        var cluster = SimCluster.Create(new SyncQuorumStrategy(), Quiet());
        var append = cluster.Submit(N1, 1, new KvCommand(KvOp.Append, "k", "+1"))!.Value;
        Assert.False(append.Accepted);
        Assert.Contains("read-modify-write", append.Reason, StringComparison.Ordinal);
        Assert.False(cluster.Submit(N1, 2, new KvCommand(KvOp.Cas, "k", "v2", "v1"))!.Value.Accepted);
    }

    [Fact]
    public void Beyond_the_pending_limit_requests_are_refused_not_queued()
    {
        var cluster = SimCluster.Create(new SyncQuorumStrategy(), Quiet(("maxPendingRequests", "2")));
        cluster.Partition([N1], [N2, N3]); // no quorum for n1: its requests stay pending
        Assert.True(cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "a"))!.Value.Accepted);
        Assert.True(cluster.Submit(N1, 2, new KvCommand(KvOp.Get, "k"))!.Value.Accepted);
        var third = cluster.Submit(N1, 3, new KvCommand(KvOp.Get, "k"))!.Value;
        Assert.False(third.Accepted);
        Assert.Equal("too many requests in flight (2); retry later", third.Reason);

        // Without a quorum the coordinator gives up without an answer (the outcome stays unknown) and takes requests again.
        cluster.RunFor(TimeSpan.FromSeconds(2));
        Assert.Empty(cluster.Responses(N1));
        Assert.Equal(0, ((SyncQuorumReplica)cluster.GetReplica(N1)!).Pending);
        Assert.True(cluster.Submit(N1, 4, new KvCommand(KvOp.Get, "k"))!.Value.Accepted);
    }

    [Fact]
    public void A_replica_that_missed_writes_catches_up_by_hints_and_by_anti_entropy()
    {
        foreach (var (hints, name) in new[] { ("true", "hinted handoff"), ("false", "anti-entropy alone") })
        {
            var cluster = SimCluster.Create(new SyncQuorumStrategy(), Quiet(("hintedHandoff", hints)));
            cluster.Partition([N3], [N1, N2]);
            for (var i = 0; i < 5; i++)
            {
                cluster.Submit(N1, i, new KvCommand(KvOp.Put, "k" + i, "v" + i));
            }

            Assert.True(cluster.RunUntil(c => c.Responses(N1).Count == 5, TimeSpan.FromSeconds(2)), name);
            Assert.Empty(cluster.ReplicaContents(N3)!);
            Assert.Equal(hints == "true" ? 5 : 0, ((SyncQuorumReplica)cluster.GetReplica(N1)!).Hints);

            cluster.Heal();
            Assert.True(cluster.RunUntil(c => c.ReplicaContents(N3)!.Count == 5, TimeSpan.FromSeconds(5)), name);
            Assert.Equal("v4", cluster.ReplicaContents(N3)!["k4"]);
            if (hints == "true")
            {
                Assert.True(cluster.RunUntil(c => ((SyncQuorumReplica)c.GetReplica(N1)!).Hints == 0, TimeSpan.FromSeconds(2)), "hints are dropped once acknowledged");
            }
        }
    }

    [Fact]
    public void A_replica_restarts_with_every_version_it_acknowledged()
    {
        var cluster = SimCluster.Create(new SyncQuorumStrategy(), Quiet());
        cluster.Submit(N2, 1, new KvCommand(KvOp.Put, "a key/with odd bytes é", "v1"));
        Assert.True(cluster.RunUntil(c => c.Responses(N2).Count == 1, TimeSpan.FromSeconds(1)));
        foreach (var n in cluster.Nodes)
        {
            cluster.Crash(n);
            cluster.Restart(n);
        }

        Assert.All(cluster.Nodes, n => Assert.Equal("v1", cluster.ReplicaContents(n)!.GetValueOrDefault("a key/with odd bytes é")));
        var version = Assert.Single(cluster.ReplicaVersions(N1)!["a key/with odd bytes é"]);
        Assert.Equal(N2, version.Replica);
    }

    [Fact]
    public void A_corrupted_key_file_stops_the_replica_with_the_file_named()
    {
        var disk = new MemoryDirectory();
        var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        var store = new VersionedStore();
        store.Offer("k", new Cell(new Stamp(3, 1), "v"u8.ToArray()));
        store.CollectWrites(writes);
        var (name, bytes) = writes[0];
        var torn = bytes.ToArray();
        torn[^1] ^= 0xFF;
        disk.WriteAtomic(name, torn);

        var ex = Assert.Throws<StorageCorruptedException>(() => VersionedStore.Recover(disk));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains("CRC-32C", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_validated_with_every_problem_named()
    {
        var strategy = new SyncQuorumStrategy();
        Assert.Empty(strategy.ValidateOptions(SyncQuorumVerifyTests.Options()));
        var errors = strategy.ValidateOptions(SyncQuorumVerifyTests.Options(("writeQuorum", "-1"), ("resendIntervalTicks", "0"), ("fanout", "2")));
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("'writeQuorum'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'resendIntervalTicks'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'fanout'", StringComparison.Ordinal));

        // A quorum larger than the group shows only when the group's size is known: a replica refuses to start.
        var cluster = SimCluster.Create(strategy, Quiet(("writeQuorum", "4")));
        Assert.Contains(cluster.Violations, v => v.Message.Contains("Option 'writeQuorum' is 4; the group has 3 replicas", StringComparison.Ordinal));
        Assert.Null(cluster.GetReplica(N1));
    }

    [Fact]
    public void Every_message_round_trips_through_the_codec_and_garbage_is_refused()
    {
        Cell cell = new(new Stamp(42, 3), "value"u8.ToArray());
        SyncQuorumMessage[] messages =
        [
            new(SyncQuorumMessageType.Query, N1, N2) { Op = 7, Key = "k" },
            new(SyncQuorumMessageType.QueryReply, N2, N1) { Op = 7, Key = "k", Found = true, Cell = cell },
            new(SyncQuorumMessageType.Store, N1, N3) { Op = 0, Key = "ключ", Cell = cell with { Value = null } },
            new(SyncQuorumMessageType.StoreAck, N3, N1) { Op = -5, Key = "k", Cell = cell },
            new(SyncQuorumMessageType.Digest, N1, N2) { RangeHashes = [0, ulong.MaxValue, 12345] },
            new(SyncQuorumMessageType.DigestReply, N2, N1) { Ranges = [0, 63], Cells = [new("a", cell), new("b", cell with { Value = null })] },
        ];

        foreach (var message in messages)
        {
            var buffer = new ArrayBufferWriter<byte>();
            SyncQuorumCodec.Instance.Encode(message, buffer);
            var back = (SyncQuorumMessage)SyncQuorumCodec.Instance.Decode(buffer.WrittenSpan);
            Assert.Equal(Show(message), Show(back));
            Assert.Throws<FormatException>(() => SyncQuorumCodec.Instance.Decode(buffer.WrittenSpan[..^1]));
        }

        Assert.Throws<FormatException>(() => SyncQuorumCodec.Instance.Decode(new byte[] { 99, 2, 4 }));
    }

    private static string Show(SyncQuorumMessage m) =>
        $"{m} {m.Op} {m.Key} {m.Found} {m.Cell.Stamp} {Hex(m.Cell.Value)} [{string.Join(",", m.RangeHashes)}] [{string.Join(",", m.Ranges)}] "
        + string.Join(";", m.Cells.Select(c => $"{c.Key}={c.Value.Stamp}:{Hex(c.Value.Value)}"));

    private static string Hex(byte[]? bytes) => bytes is null ? "null" : Convert.ToHexString(bytes);
}
