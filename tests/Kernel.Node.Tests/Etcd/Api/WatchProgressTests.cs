using Google.Protobuf;

using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;

using Microsoft.Extensions.Time.Testing;

namespace Kernel.Node.Tests.Etcd.Api;

/// <summary>Progress notifications of watches created with <c>progress_notify</c>, on a fake clock.</summary>
public sealed class WatchProgressTests
{
    [Fact]
    public async Task A_quiet_watch_with_progress_notify_is_told_the_revision_it_has_seen_up_to()
    {
        var time = new FakeTimeProvider();
        await using var server = await EtcdTestServer.StartAsync(time);
        using var channel = GrpcChannel.ForAddress(server.Url);
        var kv = new KV.KVClient(channel);
        using var watch = new Watch.WatchClient(channel).Watch();
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("p"), ProgressNotify = true } });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(watch.ResponseStream.Current.Created);

        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("p"), Value = ByteString.CopyFromUtf8("1") });     // 2
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(2, Assert.Single(watch.ResponseStream.Current.Events).Kv.ModRevision);
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("other"), Value = ByteString.CopyFromUtf8("1") }); // 3, not watched

        var next = watch.ResponseStream.MoveNext(CancellationToken.None);
        for (var round = 0; round < 200 && !next.IsCompleted; round++)
        {
            time.Advance(TimeSpan.FromMinutes(10));
            await Task.WhenAny(next, Task.Delay(50));
        }

        Assert.True(await next);
        var progress = watch.ResponseStream.Current;
        Assert.Empty(progress.Events);
        Assert.Equal((0L, false, 3L), (progress.WatchId, progress.Canceled, progress.Header.Revision));
        await watch.RequestStream.CompleteAsync();
    }
}
