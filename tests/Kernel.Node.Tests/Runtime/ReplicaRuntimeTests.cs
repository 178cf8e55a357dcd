using System.Text;

using Kernel.Node.Etcd.Replication;
using Kernel.Node.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

using UltimateReplication.Async;
using UltimateReplication.SyncQuorum;

namespace Kernel.Node.Tests.Runtime;

/// <summary>Replica members of real replication strategies over loopback gRPC, driven through <see cref="IReplicaClient"/>.</summary>
public sealed class ReplicaRuntimeTests
{
    private static IConfiguration Options(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    private static async Task<string?> GetAsync(IReplicaClient replica, string key)
    {
        var (found, value) = EtcdReplicaModel.ReadResponse(await replica.SubmitAsync(EtcdReplicaModel.Get(key), CancellationToken.None));
        return found ? Encoding.UTF8.GetString(value.Span) : null;
    }

    private static Task<string?> LocalAsync(IReplicaClient replica, string key) =>
        replica.ReadContentsAsync(c => c.TryGetValue(key, out var versions) ? Encoding.UTF8.GetString(versions[0].Value.Span) : null, CancellationToken.None);

    /// <summary>A put, again while its outcome is unknown (a forward lost while the peer streams connect): a blind write may happen twice.</summary>
    private static async Task PutRetryingAsync(IReplicaClient replica, string key, string value)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await replica.SubmitAsync(EtcdReplicaModel.Put(key, Encoding.UTF8.GetBytes(value)), CancellationToken.None);
                return;
            }
            catch (ProposalOutcomeUnknownException) when (attempt < 6)
            {
            }
        }
    }

    [Fact]
    public async Task A_put_through_one_replica_is_read_through_another_spreads_to_all_and_is_found_again_after_a_restart()
    {
        await using var cluster = await ReplicaTestCluster.StartAsync(new SyncQuorumStrategy());
        var first = cluster.Hosts[0]!.Runtime;
        var (existed, _) = EtcdReplicaModel.ReadResponse(await first.SubmitAsync(EtcdReplicaModel.Put("greeting", "hello"u8), CancellationToken.None));
        Assert.False(existed);

        Assert.Equal("hello", await GetAsync(cluster.Hosts[1]!.Runtime, "greeting")); // a quorum read on another member
        await TestCluster.Eventually(
            async () =>
            {
                foreach (var host in cluster.Hosts)
                {
                    if (await LocalAsync(host!.Runtime, "greeting") != "hello")
                    {
                        return false;
                    }
                }

                return true;
            },
            "every replica holds greeting=hello");

        await cluster.StopMemberAsync(2);
        var restarted = await cluster.StartMemberAsync(2);
        Assert.Equal("hello", await LocalAsync(restarted.Runtime, "greeting")); // read back from its files, before any message
        Assert.True(first.Responses >= 1);
        Assert.Equal(0, first.Inflight);
    }

    [Fact]
    public async Task A_delete_removes_the_key_and_answers_whether_it_was_there()
    {
        await using var cluster = await ReplicaTestCluster.StartAsync(new SyncQuorumStrategy());
        var replica = cluster.Hosts[0]!.Runtime;
        await replica.SubmitAsync(EtcdReplicaModel.Put("k", "v"u8), CancellationToken.None);

        var (existed, previous) = EtcdReplicaModel.ReadResponse(await replica.SubmitAsync(EtcdReplicaModel.Delete("k"), CancellationToken.None));
        Assert.True(existed);
        Assert.Equal("v", Encoding.UTF8.GetString(previous.Span));
        Assert.Null(await GetAsync(cluster.Hosts[2]!.Runtime, "k")); // a tombstone reads as absent, not as an empty value
        Assert.False(EtcdReplicaModel.ReadResponse(await replica.SubmitAsync(EtcdReplicaModel.Delete("k"), CancellationToken.None)).Found);
    }

    [Fact]
    public async Task A_command_no_quorum_answers_fails_as_unknown_once_the_request_timeout_passes()
    {
        var time = new FakeTimeProvider();
        await using var cluster = new ReplicaTestCluster(new SyncQuorumStrategy()) { Time = time };
        var alone = (await cluster.StartMemberAsync(0)).Runtime; // its two peers never start: no write quorum
        var put = alone.SubmitAsync(EtcdReplicaModel.Put("k", "v"u8), CancellationToken.None);

        var timeout = new NodeRuntimeOptions().ForwardTimeout;
        var tick = cluster.Options[0].TickLength;
        Assert.False(put.IsCompleted, "answered without a write quorum");
        for (var elapsed = TimeSpan.Zero; elapsed <= timeout + tick; elapsed += tick)
        {
            time.Advance(tick); // each a tick of the replica's; the deadline is on the same clock
        }

        var error = await Assert.ThrowsAsync<ProposalOutcomeUnknownException>(() => put.WaitAsync(TestCluster.Patience));
        Assert.Equal("etcdserver: request timed out", error.Message);
        Assert.Equal(1, alone.TimedOut);
        Assert.Equal(0, alone.Inflight);
    }

    [Fact]
    public async Task A_command_the_replica_refuses_did_not_happen_and_says_why()
    {
        await using var cluster = new ReplicaTestCluster(new SyncQuorumStrategy(), Options(("maxPendingRequests", "1")));
        var alone = (await cluster.StartMemberAsync(0)).Runtime;
        var held = alone.SubmitAsync(EtcdReplicaModel.Put("first", "1"u8), CancellationToken.None); // no quorum: held

        var refused = await Assert.ThrowsAsync<ReplicaRefusedException>(() => alone.SubmitAsync(EtcdReplicaModel.Put("second", "2"u8), CancellationToken.None));

        Assert.Contains("too many requests in flight (1)", refused.Reason, StringComparison.Ordinal);
        Assert.Null(await LocalAsync(alone, "second"));
        Assert.False(held.IsCompleted);
        Assert.Equal(1, alone.Inflight);
    }

    [Fact]
    public async Task An_async_backup_takes_a_write_for_the_primary_and_every_replica_converges()
    {
        await using var cluster = await ReplicaTestCluster.StartAsync(new AsyncStrategy());
        await PutRetryingAsync(cluster.Hosts[2]!.Runtime, "k", "from the last member");

        await TestCluster.Eventually(
            async () =>
            {
                foreach (var host in cluster.Hosts)
                {
                    if (await GetAsync(host!.Runtime, "k") != "from the last member")
                    {
                        return false;
                    }
                }

                return true;
            },
            "every replica answers k");
    }
}
