using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Testing.Simulation;
using UltimateReplication.Async;
using UltimateReplication.Shared;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.Async;

/// <summary>async replication step by step on a quiet simulated cluster: shipping, lag, overflow policies, catch-up.</summary>
public sealed class AsyncReplicaTests
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

    private static AsyncReplica Primary(SimCluster cluster) => (AsyncReplica)cluster.GetReplica(N1)!;

    [Fact]
    public void The_primary_answers_once_durable_and_backups_follow_and_forward()
    {
        var cluster = SimCluster.Create(new AsyncStrategy(), Quiet());
        cluster.Submit(N1, 1, new KvCommand(KvOp.Put, "k", "v1"));
        Assert.Equal(new KvResult(true, "v1"), Assert.Single(cluster.Responses(N1)).Value);
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault("k") == "v1"), TimeSpan.FromSeconds(1)));

        // A backup forwards a write to the primary and relays its answer; an append is a read-modify-write the primary orders.
        cluster.Submit(N2, 2, new KvCommand(KvOp.Append, "k", "+2"));
        Assert.True(cluster.RunUntil(c => c.Responses(N2).Count == 1, TimeSpan.FromSeconds(1)));
        Assert.Equal(new KvResult(true, "v1+2"), cluster.Responses(N2)[0].Value);
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault("k") == "v1+2"), TimeSpan.FromSeconds(1)));
        Assert.True(cluster.RunUntil(c => Primary(c).Lags.All(l => l == new Lag(l.Backup, 0, 0)), TimeSpan.FromSeconds(1)));
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void A_cut_off_backup_shows_its_lag_and_catches_up_from_the_store_after_a_spill()
    {
        var cluster = SimCluster.Create(new AsyncStrategy(), Quiet(("maxQueueEntries", "4")));
        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        cluster.Partition([N3], [N1, N2]);
        for (var i = 0; i < 10; i++)
        {
            cluster.Submit(N1, i, new KvCommand(KvOp.Put, "k" + i, "v" + i));
            cluster.RunFor(TimeSpan.FromMilliseconds(30));
        }

        Assert.Equal(10, cluster.Responses(N1).Count); // spill: writes go on
        var lag = Assert.Single(Primary(cluster).Lags, l => l.Backup == N3);
        Assert.Equal(10, lag.Entries);
        Assert.True(lag.Ticks > 0);
        Assert.True(Primary(cluster).Queued <= 4);

        cluster.Heal();
        Assert.True(cluster.RunUntil(c => c.ReplicaContents(N3)!.Count == 10, TimeSpan.FromSeconds(2)));
        Assert.Equal("v9", cluster.ReplicaContents(N3)!["k9"]);
        Assert.True(cluster.RunUntil(c => Primary(c).Lags.All(l => l.Entries == 0), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Under_reject_a_full_queue_refuses_writes_naming_the_backup_and_under_block_it_holds_them()
    {
        var reject = SimCluster.Create(new AsyncStrategy(), Quiet(("maxQueueEntries", "3"), ("overflow", "reject")));
        reject.RunFor(TimeSpan.FromMilliseconds(200));
        reject.Partition([N3], [N1, N2]);
        var results = Enumerable.Range(0, 5).Select(i =>
        {
            var r = reject.Submit(N1, i, new KvCommand(KvOp.Put, "k", "v" + i))!.Value;
            reject.RunFor(TimeSpan.FromMilliseconds(30));
            return r;
        }).ToList();
        Assert.Equal(3, results.Count(r => r.Accepted));
        Assert.Equal("replication queue full (3 entries): n3 has not acknowledged them", results[^1].Reason);

        var block = SimCluster.Create(new AsyncStrategy(), Quiet(("maxQueueEntries", "3"), ("overflow", "block")));
        block.RunFor(TimeSpan.FromMilliseconds(200));
        block.Partition([N3], [N1, N2]);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(block.Submit(N1, i, new KvCommand(KvOp.Put, "k", "v" + i))!.Value.Accepted);
            block.RunFor(TimeSpan.FromMilliseconds(30));
        }

        Assert.Equal(3, block.Responses(N1).Count); // two wait for room
        block.Heal();
        Assert.True(block.RunUntil(c => c.Responses(N1).Count == 5, TimeSpan.FromSeconds(2)));
        Assert.True(block.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault("k") == "v4"), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_restarted_primary_and_backup_keep_what_they_acknowledged_and_converge_again()
    {
        var cluster = SimCluster.Create(new AsyncStrategy(), Quiet());
        for (var i = 0; i < 5; i++)
        {
            cluster.Submit(N2, i, new KvCommand(KvOp.Append, "k", "+" + i));
            Assert.True(cluster.RunUntil(c => c.Responses(N2).Count == i + 1, TimeSpan.FromSeconds(1)));
        }

        cluster.Crash(N1);
        cluster.Crash(N3);
        cluster.Restart(N1);
        cluster.Restart(N3);
        Assert.Equal("+0+1+2+3+4", cluster.ReplicaContents(N1)!["k"]);
        cluster.Submit(N1, 9, new KvCommand(KvOp.Append, "k", "+9"));
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.ReplicaContents(n)!.GetValueOrDefault("k") == "+0+1+2+3+4+9"), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Options_are_validated_and_the_primary_must_be_in_the_group()
    {
        var strategy = new AsyncStrategy();
        Assert.Empty(strategy.ValidateOptions(SyncQuorumVerifyTests.Options()));
        var errors = strategy.ValidateOptions(SyncQuorumVerifyTests.Options(("overflow", "drop"), ("maxQueueEntries", "0")));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("'overflow'", StringComparison.Ordinal) && e.Contains("spill", StringComparison.Ordinal));

        var cluster = SimCluster.Create(strategy, Quiet(("primary", "7")));
        Assert.Contains(cluster.Violations, v => v.Message.Contains("Option 'primary' is 7; the group's replicas are 1, 2, 3.", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_message_round_trips_through_the_codec()
    {
        Cell cell = new(new Stamp(9, 1), "v"u8.ToArray());
        AsyncMessage[] messages =
        [
            new(AsyncMessageType.Forward, N2, N1) { Op = 5, Key = "k", Flags = 2, Payload = new byte[] { 1, 2, 3 } },
            new(AsyncMessageType.Reply, N1, N2) { Op = 5, Payload = new byte[] { 1 } },
            new(AsyncMessageType.Ship, N1, N3) { Seq = 8, Cells = [new("k", cell), new("j", cell with { Value = null })] },
            new(AsyncMessageType.CatchUp, N1, N3) { Seq = 20, Cells = [new("k", cell)] },
            new(AsyncMessageType.Ack, N3, N1) { Seq = 20 },
        ];

        foreach (var message in messages)
        {
            var buffer = new ArrayBufferWriter<byte>();
            AsyncCodec.Instance.Encode(message, buffer);
            var back = (AsyncMessage)AsyncCodec.Instance.Decode(buffer.WrittenSpan);
            Assert.Equal(Show(message), Show(back));
            Assert.Throws<FormatException>(() => AsyncCodec.Instance.Decode(buffer.WrittenSpan[..^1]));
        }
    }

    private static string Show(AsyncMessage m) =>
        $"{m} {m.Key} {m.Flags} {Convert.ToHexString(m.Payload.Span)} " + string.Join(";", m.Cells.Select(c => $"{c.Key}={c.Value.Stamp}:{(c.Value.Value is null ? "null" : Convert.ToHexString(c.Value.Value))}"));
}
