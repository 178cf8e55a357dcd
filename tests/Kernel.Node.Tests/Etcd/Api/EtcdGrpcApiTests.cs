using Google.Protobuf;

using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Tests.Etcd.Api;

/// <summary>The gRPC API's refusals and watch control, through the member's own generated client stubs.</summary>
public sealed class EtcdGrpcApiTests : IAsyncLifetime
{
    private EtcdTestServer _server = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdTestServer.StartAsync();
        _channel = GrpcChannel.ForAddress(_server.Url);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_leader_writes_and_linearizable_reads_fail_as_etcds_no_leader_and_serializable_reads_work()
    {
        var kv = new KV.KVClient(_channel);
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("a"), Value = ByteString.CopyFromUtf8("1") });
        _server.Node.HasLeader = false;
        var put = await Assert.ThrowsAsync<RpcException>(async () => await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("a") }));
        Assert.Equal((StatusCode.Unavailable, "etcdserver: no leader"), (put.StatusCode, put.Status.Detail));
        var read = await Assert.ThrowsAsync<RpcException>(async () => await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("a") }));
        Assert.Equal(StatusCode.Unavailable, read.StatusCode);
        var local = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("a"), Serializable = true });
        Assert.Equal("1", local.Kvs[0].Value.ToStringUtf8());
    }

    [Theory]
    [InlineData("etcdserver: leader changed", "etcdserver: leader changed")]
    [InlineData("etcdserver: the stream to the leader broke", "etcdserver: request timed out")]
    public async Task A_write_whose_outcome_is_unknown_fails_as_etcd_says_it(string outcome, string expected)
    {
        var kv = new KV.KVClient(_channel);
        _server.Node.UnknownOutcome = outcome;
        var put = await Assert.ThrowsAsync<RpcException>(async () => await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("a") }));
        Assert.Equal((StatusCode.Unavailable, expected), (put.StatusCode, put.Status.Detail));
    }

    [Fact]
    public async Task An_empty_key_is_refused_as_etcd_does()
    {
        var kv = new KV.KVClient(_channel);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await kv.PutAsync(new PutRequest { Value = ByteString.CopyFromUtf8("v") }));
        Assert.Equal((StatusCode.InvalidArgument, "etcdserver: key is not provided"), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task A_cancelled_watch_answers_cancelled_and_gets_no_more_events()
    {
        var kv = new KV.KVClient(_channel);
        var watch = new Watch.WatchClient(_channel).Watch();
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("x"), WatchId = 7 } });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(watch.ResponseStream.Current.Created);
        Assert.Equal(7, watch.ResponseStream.Current.WatchId);

        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("x"), Value = ByteString.CopyFromUtf8("1") });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Single(watch.ResponseStream.Current.Events);

        await watch.RequestStream.WriteAsync(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = 7 } });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(watch.ResponseStream.Current.Canceled);
        Assert.Equal(0, _server.Application.Store.Watchers.Count);

        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("x"), Value = ByteString.CopyFromUtf8("2") });
        await watch.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(-1, watch.ResponseStream.Current.WatchId);
        Assert.Empty(watch.ResponseStream.Current.Events);
        Assert.Equal(3, watch.ResponseStream.Current.Header.Revision);
        await watch.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task Several_watches_share_a_stream_each_with_its_filters_and_prev_kv_and_ids_are_not_reused()
    {
        var kv = new KV.KVClient(_channel);
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("f"), Value = ByteString.CopyFromUtf8("0") });
        var watch = new Watch.WatchClient(_channel).Watch();
        var key = ByteString.CopyFromUtf8("f");
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, Filters = { WatchCreateRequest.Types.FilterType.Noput } } });
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, PrevKv = true } });
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, WatchId = 1 } });
        var created = new List<WatchResponse>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            created.Add(watch.ResponseStream.Current);
        }

        Assert.Equal([(0L, false), (1L, false), (1L, true)], created.Select(r => (r.WatchId, r.Canceled)));
        Assert.Equal("etcdserver: duplicate watch ID", created[2].CancelReason);

        await kv.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8("1") });
        await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = key });
        var events = new List<(long Watch, Kernel.Node.Etcd.Protos.Event.Types.EventType Type, string? Previous)>();
        while (events.Count < 3)
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            var r = watch.ResponseStream.Current;
            events.AddRange(r.Events.Select(e => (r.WatchId, e.Type, e.PrevKv?.Value.ToStringUtf8())));
        }

        Assert.Equal(
            [(0L, Kernel.Node.Etcd.Protos.Event.Types.EventType.Delete, (string?)null)],
            events.Where(e => e.Watch == 0));
        Assert.Equal(
            [(1L, Kernel.Node.Etcd.Protos.Event.Types.EventType.Put, (string?)"0"), (1L, Kernel.Node.Etcd.Protos.Event.Types.EventType.Delete, (string?)"1")],
            events.Where(e => e.Watch == 1));
        await watch.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task A_closed_watch_stream_removes_its_watchers()
    {
        using (var watch = new Watch.WatchClient(_channel).Watch())
        {
            await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("y") } });
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(1, _server.Application.Store.Watchers.Count);
        }

        for (var i = 0; i < 100 && _server.Application.Store.Watchers.Count > 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, _server.Application.Store.Watchers.Count);
    }
}
