using dotnet_etcd;

using Etcdserverpb;

using Google.Protobuf;

using Grpc.Core;

namespace Kernel.Node.Tests.Etcd.Api;

/// <summary>The <c>dotnet-etcd</c> client library (NuGet) against the member's gRPC API in a real Kestrel server.</summary>
public sealed class DotnetEtcdClientTests : IAsyncLifetime
{
    private EtcdTestServer _server = null!;
    private EtcdClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdTestServer.StartAsync();
        _client = new EtcdClient(_server.Url);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Put_get_prefix_and_delete()
    {
        var put = await _client.PutAsync("greeting", "hello");
        Assert.Equal(2, put.Header.Revision);
        Assert.Equal(SingleMemberNodeClient.ClusterId, put.Header.ClusterId);
        Assert.Equal(SingleMemberNodeClient.MemberId, put.Header.MemberId);
        Assert.Equal(3UL, put.Header.RaftTerm);
        Assert.Equal("hello", await _client.GetValAsync("greeting"));

        await _client.PutAsync("app/a", "1");
        await _client.PutAsync("app/b", "2");
        await _client.PutAsync("apple", "x");
        var range = await _client.GetRangeValAsync("app/");
        Assert.Equal(new Dictionary<string, string> { ["app/a"] = "1", ["app/b"] = "2" }, range);

        await _client.DeleteAsync("greeting");
        Assert.Equal(string.Empty, await _client.GetValAsync("greeting"));
        var deleted = await _client.DeleteRangeAsync("app/");
        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(["apple"], (await _client.GetRangeAsync("a")).Kvs.Select(kv => kv.Key.ToStringUtf8()));
    }

    [Fact]
    public async Task Txn_takes_the_branch_its_compare_decides()
    {
        await _client.PutAsync("lock", "free");
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8("lock"), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = ByteString.CopyFromUtf8("free") });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8("lock"), Value = ByteString.CopyFromUtf8("mine") } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8("lock") } });

        var first = await _client.TransactionAsync(txn);
        Assert.True(first.Succeeded);
        var second = await _client.TransactionAsync(txn);
        Assert.False(second.Succeeded);
        Assert.Equal("mine", second.Responses[0].ResponseRange.Kvs[0].Value.ToStringUtf8());
    }

    [Fact]
    public async Task Watch_from_a_revision_replays_then_streams_live_events()
    {
        await _client.PutAsync("w/a", "1");   // 2
        await _client.PutAsync("w/a", "2");   // 3
        var events = new List<Mvccpb.Event>();
        var seen = new SemaphoreSlim(0);
        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8("w/"),
                RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd("w/")),
                StartRevision = 2,
                PrevKv = true,
            },
        };
        using var stop = new CancellationTokenSource();
        var watching = _client.WatchAsync(request, (WatchResponse response) =>
        {
            lock (events)
            {
                events.AddRange(response.Events);
            }

            for (var i = 0; i < response.Events.Count; i++)
            {
                seen.Release();
            }
        }, cancellationToken: stop.Token);

        await WaitAsync(seen, 2);
        await _client.DeleteAsync("w/a");     // 4
        await WaitAsync(seen, 1);
        await stop.CancelAsync();

        lock (events)
        {
            Assert.Equal([(2L, Mvccpb.Event.Types.EventType.Put), (3L, Mvccpb.Event.Types.EventType.Put), (4L, Mvccpb.Event.Types.EventType.Delete)],
                events.Select(e => (e.Kv.ModRevision, e.Type)));
            Assert.Equal("2", events[2].PrevKv.Value.ToStringUtf8());
        }
    }

    [Fact]
    public async Task Lease_grant_keep_alive_time_to_live_and_revoke()
    {
        var lease = await _client.LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 });
        Assert.Equal(30, lease.TTL);
        await _client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("leased"), Value = ByteString.CopyFromUtf8("v"), Lease = lease.ID });

        using var once = new CancellationTokenSource();
        var renewed = new TaskCompletionSource<LeaseKeepAliveResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var keepAlive = _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease.ID }, (LeaseKeepAliveResponse r) => renewed.TrySetResult(r), once.Token, null);
        Assert.Equal(30, (await renewed.Task.WaitAsync(TimeSpan.FromSeconds(30))).TTL);
        await once.CancelAsync();

        var ttl = await _client.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease.ID, Keys = true });
        Assert.Equal(30, ttl.GrantedTTL);
        Assert.InRange(ttl.TTL, 1, 30);
        Assert.Equal(["leased"], ttl.Keys.Select(k => k.ToStringUtf8()));

        await _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease.ID });
        Assert.Equal(string.Empty, await _client.GetValAsync("leased"));
        Assert.Equal(-1, (await _client.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease.ID })).TTL);
        var missing = await Assert.ThrowsAnyAsync<RpcException>(() => _client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease.ID }));
        Assert.Equal((StatusCode.NotFound, "etcdserver: requested lease not found"), (missing.StatusCode, missing.Status.Detail));
    }

    [Fact]
    public async Task Reads_at_a_compacted_revision_fail_with_etcds_error()
    {
        await _client.PutAsync("c", "1");
        await _client.PutAsync("c", "2");
        await _client.PutAsync("c", "3");
        await _client.CompactAsync(new CompactionRequest { Revision = 3 });
        var error = await Assert.ThrowsAnyAsync<RpcException>(() => _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("c"), Revision = 2 }));
        Assert.Equal((StatusCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted"), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task Member_list_and_status_describe_the_member()
    {
        var members = await _client.MemberListAsync(new MemberListRequest());
        var member = Assert.Single(members.Members);
        Assert.Equal((SingleMemberNodeClient.MemberId, "member-1"), (member.ID, member.Name));
        Assert.Equal([_server.Url], member.ClientURLs);
        var status = await _client.StatusAsync(new StatusRequest());
        Assert.Equal(SingleMemberNodeClient.MemberId, status.Leader);
        Assert.Equal(3UL, status.RaftTerm);
    }

    private static async Task WaitAsync(SemaphoreSlim seen, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(await seen.WaitAsync(TimeSpan.FromSeconds(30)), "the watch event did not arrive");
        }
    }
}
