using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;
using Microsoft.Extensions.Configuration;

using UltimateReplication.Async;
using UltimateReplication.SyncQuorum;

namespace Kernel.Node.Tests.Etcd.Replication;

/// <summary>etcd's KV service served by replica members, through a gRPC client as etcd's clients call it.</summary>
public sealed class ReplicaKvTests
{
    private static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    private static KV.KVClient Client(ReplicaTestCluster cluster, int i, List<GrpcChannel> channels)
    {
        var channel = GrpcChannel.ForAddress(cluster.Options[i].ClientUrls[0]);
        channels.Add(channel);
        return new KV.KVClient(channel);
    }

    [Fact]
    public async Task Put_get_prefix_and_delete_on_sync_quorum_with_linearizable_single_key_reads()
    {
        await using var cluster = await ReplicaTestCluster.StartAsync(new SyncQuorumStrategy());
        var channels = new List<GrpcChannel>();
        try
        {
            var one = Client(cluster, 0, channels);
            var two = Client(cluster, 1, channels);
            await one.PutAsync(new PutRequest { Key = B("dir/b"), Value = B("2") });
            await one.PutAsync(new PutRequest { Key = B("dir/a"), Value = B("1") });
            var replaced = await one.PutAsync(new PutRequest { Key = B("dir/a"), Value = B("one"), PrevKv = true });
            Assert.Equal("1", replaced.PrevKv.Value.ToStringUtf8());

            var got = await two.RangeAsync(new RangeRequest { Key = B("dir/a") }); // linearizable, the default
            Assert.Equal("one", Assert.Single(got.Kvs).Value.ToStringUtf8());
            Assert.Equal(0, got.Header.Revision);
            Assert.Equal(cluster.Hosts[1]!.Member.Id, got.Header.MemberId);

            var prefix = new RangeRequest { Key = B("dir/"), RangeEnd = B("dir0"), Serializable = true };
            var listed = await one.RangeAsync(prefix);
            Assert.Equal(["dir/a=one", "dir/b=2"], listed.Kvs.Select(kv => kv.Key.ToStringUtf8() + "=" + kv.Value.ToStringUtf8()));
            var limited = await one.RangeAsync(new RangeRequest(prefix) { Limit = 1 });
            Assert.Equal((1, true, 2L), (limited.Kvs.Count, limited.More, limited.Count));

            var linearizablePrefix = await Assert.ThrowsAsync<RpcException>(() => one.RangeAsync(new RangeRequest(prefix) { Serializable = false }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, linearizablePrefix.StatusCode);
            Assert.Contains("--consistency=s", linearizablePrefix.Status.Detail, StringComparison.Ordinal);

            var deleted = await two.DeleteRangeAsync(new DeleteRangeRequest { Key = B("dir/"), RangeEnd = B("dir0"), PrevKv = true });
            await TestCluster.Eventually(async () => deleted.Deleted + (await one.DeleteRangeAsync(new DeleteRangeRequest { Key = B("dir/"), RangeEnd = B("dir0") })).Deleted == 2, "both keys deleted");
            Assert.Empty((await one.RangeAsync(new RangeRequest { Key = B("dir/a") })).Kvs);
            Assert.Equal(0, (await one.DeleteRangeAsync(new DeleteRangeRequest { Key = B("dir/a") })).Deleted);
        }
        finally
        {
            channels.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task What_a_replica_group_cannot_give_is_refused_with_a_grpc_error_that_says_why()
    {
        await using var cluster = await ReplicaTestCluster.StartAsync(new AsyncStrategy());
        var channels = new List<GrpcChannel>();
        try
        {
            var kv = Client(cluster, 1, channels);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await kv.PutAsync(new PutRequest { Key = B("k"), Value = B("v") }); // a backup's: forwarded to the primary
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < 6)
                {
                    // lost while the peer streams connect: a blind write may be sent again
                }
            }

            async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
            var linearizable = await Refused(() => kv.RangeAsync(new RangeRequest { Key = B("k") }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, linearizable.StatusCode);
            Assert.Contains("replication/async is eventually consistent and serves no linearizable reads", linearizable.Status.Detail, StringComparison.Ordinal);

            var txn = await Refused(() => kv.TxnAsync(new TxnRequest()).ResponseAsync);
            Assert.Equal((StatusCode.Unimplemented, true), (txn.StatusCode, txn.Status.Detail.Contains("serves no transactions", StringComparison.Ordinal)));
            var lease = await Refused(() => kv.PutAsync(new PutRequest { Key = B("k"), Value = B("v"), Lease = 7 }).ResponseAsync);
            Assert.Equal((StatusCode.Unimplemented, true), (lease.StatusCode, lease.Status.Detail.Contains("serves no leases", StringComparison.Ordinal)));
            var revision = await Refused(() => kv.RangeAsync(new RangeRequest { Key = B("k"), Revision = 3, Serializable = true }).ResponseAsync);
            Assert.Equal((StatusCode.Unimplemented, true), (revision.StatusCode, revision.Status.Detail.Contains("keeps no global revisions", StringComparison.Ordinal)));
            var compact = await Refused(() => kv.CompactAsync(new CompactionRequest { Revision = 1 }).ResponseAsync);
            Assert.Equal(StatusCode.Unimplemented, compact.StatusCode);
            using var watch = new Watch.WatchClient(channels[0]).Watch();

            // The refusal may come back before the request is written (the write then fails) or after (the read does).
            var noWatch = await Refused(async () =>
            {
                await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = B("k") } });
                await watch.ResponseStream.MoveNext();
            });
            Assert.Equal(StatusCode.Unimplemented, noWatch.StatusCode);

            // A serializable read is served: the put reaches the member through the primary.
            await TestCluster.Eventually(async () => (await kv.RangeAsync(new RangeRequest { Key = B("k"), Serializable = true })).Kvs.Count == 1, "a serializable read of k");
        }
        finally
        {
            channels.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_replica_refusing_for_backpressure_is_resource_exhausted_and_no_answer_in_time_is_unavailable()
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection([new("maxPendingRequests", "1")]).Build();
        await using var cluster = new ReplicaTestCluster(new SyncQuorumStrategy(), options);
        await cluster.StartMemberAsync(0); // alone: no write quorum
        var channels = new List<GrpcChannel>();
        try
        {
            var kv = Client(cluster, 0, channels);
            var held = kv.PutAsync(new PutRequest { Key = B("first"), Value = B("1") }).ResponseAsync;
            await TestCluster.Eventually(() => cluster.Hosts[0]!.Runtime.Inflight == 1, "the first put is held");

            var refused = await Assert.ThrowsAsync<RpcException>(() => kv.PutAsync(new PutRequest { Key = B("second"), Value = B("2") }).ResponseAsync);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("replication/sync-quorum refused the request: too many requests in flight (1)", refused.Status.Detail, StringComparison.Ordinal);

            var unknown = await Assert.ThrowsAsync<RpcException>(() => held);
            Assert.Equal((StatusCode.Unavailable, "etcdserver: request timed out"), (unknown.StatusCode, unknown.Status.Detail));
        }
        finally
        {
            channels.ForEach(c => c.Dispose());
        }
    }
}
