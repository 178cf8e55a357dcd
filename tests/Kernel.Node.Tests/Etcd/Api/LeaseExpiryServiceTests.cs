using Google.Protobuf;

using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;

using Microsoft.Extensions.Time.Testing;

namespace Kernel.Node.Tests.Etcd.Api;

/// <summary>The hosted lease expiry of <see cref="Kernel.Node.Etcd.EtcdMemberApplication"/>, in Kestrel, on a fake clock.</summary>
public sealed class LeaseExpiryServiceTests
{
    [Fact]
    public async Task A_lease_left_alone_expires_after_its_ttl_and_takes_its_keys_with_it()
    {
        var time = new FakeTimeProvider();
        await using var server = await EtcdTestServer.StartAsync(time);
        using var channel = GrpcChannel.ForAddress(server.Url);
        var kv = new KV.KVClient(channel);
        var leases = new Lease.LeaseClient(channel);
        var lease = await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 3 });
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("session"), Value = ByteString.CopyFromUtf8("alive"), Lease = lease.ID });

        var elapsed = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(250);
        for (var round = 0; round < 400; round++)
        {
            var left = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("session") });
            if (left.Count == 0)
            {
                break;
            }

            // The hosted loop waits on the fake clock: move it on, then give the loop a moment to run its check.
            time.Advance(step);
            elapsed += step;
            await Task.Delay(20);
        }

        // Never before its TTL by the member's clock (how soon after is the unit tests' business: the loop may lag here).
        Assert.True(elapsed >= TimeSpan.FromSeconds(3), $"expired after {elapsed}");
        Assert.Equal(0, (await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("session") })).Count);
        Assert.Equal(-1, (await leases.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease.ID })).TTL);
    }
}
