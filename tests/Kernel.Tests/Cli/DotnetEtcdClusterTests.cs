using dotnet_etcd;

using Etcdserverpb;

using Google.Protobuf;

using Grpc.Core;

namespace Kernel.Tests.Cli;

/// <summary>
/// The <c>dotnet-etcd</c> client (NuGet) against three <c>kernel node</c> processes on <c>consensus/raft</c>, given every
/// member's URL: KV, txn, leases kept alive and expiring, and a watch that keeps delivering across a leader kill.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class DotnetEtcdClusterTests(EtcdctlClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<EtcdctlClusterFixture>
{
    [Fact]
    public async Task Put_get_prefix_delete_and_txn_through_every_member()
    {
        using var all = new EtcdClient(string.Join(",", fixture.Cluster.ClientUrls));
        var members = fixture.Cluster.ClientUrls.Select(u => new EtcdClient(u)).ToArray();
        try
        {
            var first = await all.PutAsync("net/a", "1");
            await members[0].PutAsync("net/b", "2");
            await members[1].PutAsync("net/c", "3");
            await members[2].PutAsync("nets", "outside");
            foreach (var member in members)
            {
                Assert.Equal("1", await member.GetValAsync("net/a"));
                Assert.Equal(new Dictionary<string, string> { ["net/a"] = "1", ["net/b"] = "2", ["net/c"] = "3" }, await member.GetRangeValAsync("net/"));
            }

            var changed = await members[2].PutAsync("net/a", "changed");
            Assert.True(changed.Header.Revision > first.Header.Revision);
            var old = await members[0].GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("net/a"), Revision = first.Header.Revision });
            Assert.Equal("1", Assert.Single(old.Kvs).Value.ToStringUtf8());

            // A compare-and-swap on the value: the first takes the success branch, the second (value changed) the failure one.
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8("net/a"), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = ByteString.CopyFromUtf8("changed") });
            txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8("net/a"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 2 });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8("net/a"), Value = ByteString.CopyFromUtf8("swapped") } });
            txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8("net/a") } });
            Assert.True((await members[1].TransactionAsync(txn)).Succeeded);
            var second = await all.TransactionAsync(txn);
            Assert.False(second.Succeeded);
            Assert.Equal("swapped", second.Responses[0].ResponseRange.Kvs[0].Value.ToStringUtf8());

            await members[0].DeleteAsync("net/b");
            Assert.Equal(string.Empty, await members[1].GetValAsync("net/b"));
            Assert.Equal(2, (await members[2].DeleteRangeAsync("net/")).Deleted);
            Assert.Empty(await all.GetRangeValAsync("net/"));
            Assert.Equal("outside", await all.GetValAsync("nets"));
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_lease_kept_alive_outlives_its_ttl_and_its_key_goes_when_it_expires()
    {
        using var client = new EtcdClient(string.Join(",", fixture.Cluster.ClientUrls));
        var lease = await client.LeaseGrantAsync(new LeaseGrantRequest { TTL = 3 });
        Assert.Equal(3, lease.TTL);
        await client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("net/leased"), Value = ByteString.CopyFromUtf8("v"), Lease = lease.ID });

        // Kept alive by the client for three times the TTL, the key stays.
        using (var keepAlive = new CancellationTokenSource())
        {
            var renewing = client.LeaseKeepAlive(lease.ID, keepAlive.Token);
            for (var second = 0; second < 9; second++)
            {
                await Task.Delay(1000);
                Assert.Equal("v", await client.GetValAsync("net/leased"));
            }

            var ttl = await client.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease.ID, Keys = true });
            Assert.Equal(3, ttl.GrantedTTL);
            Assert.InRange(ttl.TTL, 1, 3);
            Assert.Equal(["net/leased"], ttl.Keys.Select(k => k.ToStringUtf8()));
            await keepAlive.CancelAsync();
            try
            {
                await renewing;
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // stopped renewing
            }
        }

        // Left alone, it expires and takes its key.
        await KernelProcess.Until(async () => (await client.GetValAsync("net/leased")).Length == 0, "the leased key deleted on expiry", fixture.Cluster.Logs, 30);
        Assert.Equal(-1, (await client.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease.ID })).TTL);
    }

    [Fact]
    public async Task A_watch_keeps_delivering_every_event_once_across_a_leader_kill()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // kill(1)
        }

        using var cluster = await ProcessCluster.StartWithLeaderAsync("dotnet-etcd-watch-failover");
        var leader = await cluster.WaitForLeaderAsync();
        using var writer = new EtcdClient(string.Join(",", cluster.ClientUrls));
        var acknowledged = new List<long> { (await writer.PutAsync("w/0", "before")).Header.Revision };

        // The watch's client knows every member, the leader's URL first.
        using var watcher = new EtcdClient(string.Join(",", cluster.ClientUrls.Skip(leader).Concat(cluster.ClientUrls.Take(leader))));
        var seen = new List<long>();
        var keys = new List<string>();
        var watchId = await watcher.WatchAsync(
            new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("w/"), RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd("w/")), StartRevision = acknowledged[0] } },
            (WatchResponse response) =>
            {
                lock (seen)
                {
                    foreach (var e in response.Events)
                    {
                        seen.Add(e.Kv.ModRevision);
                        keys.Add(e.Kv.Key.ToStringUtf8());
                    }
                }
            });
        long[] Seen()
        {
            lock (seen)
            {
                return [.. seen];
            }
        }

        for (var i = 1; i <= 10; i++)
        {
            acknowledged.Add((await writer.PutAsync($"w/{i}", "before")).Header.Revision);
        }

        await KernelProcess.Until(() => Task.FromResult(Seen().Contains(acknowledged[^1])), "the events before the kill", cluster.Logs);
        var (old, now) = await cluster.KillLeaderAsync();
        output.WriteLine($"killed {cluster.Names[old]}, {cluster.Names[now]} leads");

        // Puts after the change, retried while the new leader settles (an unacknowledged one may still have been applied).
        for (var i = 11; i <= 30; i++)
        {
            var key = $"w/{i}";
            long revision = 0;
            await KernelProcess.Until(async () =>
            {
                try
                {
                    revision = (await writer.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("after") }, deadline: DateTime.UtcNow.AddSeconds(5))).Header.Revision;
                    return true;
                }
                catch (RpcException)
                {
                    return false;
                }
            }, $"put {key} after the leader change", cluster.Logs);
            acknowledged.Add(revision);
        }

        await KernelProcess.Until(() => Task.FromResult(Seen().Contains(acknowledged[^1])), "the events after the kill", () => $"the watch saw {string.Join(",", Seen())}\n{cluster.Logs()}", 60);
        watcher.CancelWatch(watchId);
        var revisions = Seen();
        Assert.True(revisions.Zip(revisions.Skip(1)).All(p => p.First < p.Second), $"the watch repeated or reordered events: {string.Join(",", revisions)}");
        var missing = acknowledged.Where(r => !revisions.Contains(r)).ToArray();
        Assert.True(missing.Length == 0, $"the watch missed acknowledged revisions {string.Join(",", missing)} (saw {string.Join(",", revisions)})");
        lock (seen)
        {
            Assert.Equal(Enumerable.Range(0, 31).Select(i => $"w/{i}"), keys.Distinct());
        }
    }
}
