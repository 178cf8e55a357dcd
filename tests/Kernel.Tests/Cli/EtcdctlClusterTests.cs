using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

using Kernel.Node.Tests.Etcd.Api;

namespace Kernel.Tests.Cli;

/// <summary>One three-member <c>kernel node</c> cluster shared by the etcdctl tests that do not stop a member.</summary>
public sealed class EtcdctlClusterFixture : IAsyncLifetime
{
    internal ProcessCluster Cluster { get; private set; } = null!;

    // A tick of 100 ms (etcd's default, elections after 1 to 2 s): the tests share the cluster, and on a loaded machine a
    // 50 ms tick let an fsync stall start an election between two of them.
    public async Task InitializeAsync() => Cluster = await ProcessCluster.StartWithLeaderAsync("etcdctl-cluster", tickMilliseconds: 100);

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// etcdctl (3.4, as CI installs it) against three <c>kernel node</c> processes on <c>consensus/raft</c>: the KV commands
/// with their options, txn's compares, watches from a revision, leases, the cluster's own commands and
/// <c>check perf</c>; each command through all endpoints or through one member.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class EtcdctlClusterTests(EtcdctlClusterFixture fixture) : IClassFixture<EtcdctlClusterFixture>
{
    private ProcessCluster Cluster => fixture.Cluster;

    private Etcdctl All => new(Cluster.AllEndpoints);

    private Etcdctl Member(int i) => new(Cluster.Endpoints[i]);

    [SkippableFact]
    public async Task Put_get_with_prefix_revision_and_limit_then_delete()
    {
        Etcdctl.Require();
        var first = await PutAsync(All, "kv/a", "1");
        await PutAsync(Member(0), "kv/b", "2");
        await PutAsync(Member(1), "kv/c", "3");
        var changed = await PutAsync(Member(2), "kv/a", "changed");
        await PutAsync(All, "kvz", "outside");

        Assert.Equal(["kv/a", "changed", "kv/b", "2", "kv/c", "3"], Etcdctl.Lines((await Member(0).RunAsync("get kv/ --prefix")).Out));
        Assert.Equal(["kv/a", "changed", "kv/b", "2"], Etcdctl.Lines((await Member(1).RunAsync("get kv/ --prefix --limit=2")).Out));
        Assert.Equal(["kv/a", "kv/b", "kv/c"], Etcdctl.Lines((await Member(2).RunAsync("get kv/ --prefix --keys-only")).Out));

        // At the revision of the first put, kv/a holds its first value and the later keys do not exist yet.
        Assert.Equal(["kv/a", "1"], Etcdctl.Lines((await All.RunAsync($"get kv/ --prefix --rev={first}")).Out));
        Assert.Equal(["kv/a", "1"], Etcdctl.Lines((await Member(1).RunAsync($"get kv/a --rev={changed - 1}")).Out));
        Assert.Equal(["kv/a", "changed"], Etcdctl.Lines((await Member(2).RunAsync($"get kv/a --rev={changed}")).Out));

        // The JSON form carries the count beyond the limit and the revisions.
        using (var json = JsonDocument.Parse((await All.RunAsync("get kv/ --prefix --limit=1 -w json")).Out))
        {
            Assert.Equal(3, json.RootElement.GetProperty("count").GetInt64());
            Assert.True(json.RootElement.GetProperty("more").GetBoolean());
            var kv = Assert.Single(json.RootElement.GetProperty("kvs").EnumerateArray());
            Assert.Equal(first, kv.GetProperty("create_revision").GetInt64());
            Assert.Equal(changed, kv.GetProperty("mod_revision").GetInt64());
            Assert.Equal(2, kv.GetProperty("version").GetInt64());
        }

        Assert.Equal("1", (await Member(0).RunAsync("del kv/b")).Out.Trim());
        Assert.Equal("0", (await Member(0).RunAsync("del kv/b")).Out.Trim());
        Assert.Equal(["kv/a", "kv/c"], Etcdctl.Lines((await Member(1).RunAsync("get kv/ --prefix --keys-only")).Out));
        Assert.Equal("2", (await Member(2).RunAsync("del kv/ --prefix")).Out.Trim());
        Assert.Empty((await All.RunAsync("get kv/ --prefix")).Out.Trim());
        Assert.Equal(["kvz", "outside"], Etcdctl.Lines((await All.RunAsync("get kvz")).Out));
    }

    [SkippableFact]
    public async Task Txn_compares_value_version_create_and_mod_revisions()
    {
        Etcdctl.Require();
        var created = await PutAsync(All, "txn/k", "v1");
        var modified = await PutAsync(Member(0), "txn/k", "v2"); // version 2

        // Every compare holds: the success branch runs (a put and a get).
        var holds = $"value(\"txn/k\") = \"v2\"\nversion(\"txn/k\") = \"2\"\ncreate(\"txn/k\") = \"{created}\"\nmod(\"txn/k\") = \"{modified}\"\n\nput txn/result success\nget txn/k\n\nput txn/result failure\n\n";
        Assert.Equal(["SUCCESS", "OK", "txn/k", "v2"], Etcdctl.Lines((await Member(1).RunAsync("txn", stdin: holds)).Out));
        Assert.Equal("success", (await All.RunAsync("get txn/result --print-value-only")).Out.Trim());

        // Each compare alone that does not hold sends the transaction to its failure branch.
        string[] fails =
        [
            "value(\"txn/k\") = \"v1\"",
            "version(\"txn/k\") > \"2\"",
            $"create(\"txn/k\") < \"{created}\"",
            $"mod(\"txn/k\") != \"{modified}\"",
        ];
        for (var i = 0; i < fails.Length; i++)
        {
            var script = $"{fails[i]}\n\nput txn/result wrong\n\nput txn/result failure-{i}\n\n";
            Assert.Equal(["FAILURE", "OK"], Etcdctl.Lines((await Member(i % 3).RunAsync("txn", stdin: script)).Out));
            Assert.Equal($"failure-{i}", (await All.RunAsync("get txn/result --print-value-only")).Out.Trim());
        }

        // A compare on a later revision: mod("txn/k") < a revision after it holds, so the delete runs.
        var later = await PutAsync(All, "txn/other", "x");
        Assert.Equal(["SUCCESS", "1"], Etcdctl.Lines((await Member(2).RunAsync("txn", stdin: $"mod(\"txn/k\") < \"{later}\"\n\ndel txn/k\n\n\n")).Out));
        Assert.Empty((await All.RunAsync("get txn/k")).Out.Trim());
    }

    [SkippableFact]
    public async Task Watch_from_a_revision_replays_the_history_then_streams_new_events()
    {
        Etcdctl.Require();
        var from = await PutAsync(All, "watch/a", "1");
        await PutAsync(Member(1), "watch/b", "2");
        await Member(2).RunAsync("del watch/a");

        using var watch = Member(0).Start($"watch watch/ --prefix --rev={from}");
        try
        {
            Assert.Equal(["PUT", "watch/a", "1", "PUT", "watch/b", "2", "DELETE", "watch/a"], await Etcdctl.ReadLinesAsync(watch, 8));
            await PutAsync(Member(1), "watch/c", "3");
            Assert.Equal(["PUT", "watch/c", "3"], await Etcdctl.ReadLinesAsync(watch, 3));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }

        // From the revision after the first put, the first event is the second put.
        using var later = All.Start($"watch watch/ --prefix --rev={from + 1}");
        try
        {
            Assert.Equal(["PUT", "watch/b", "2"], await Etcdctl.ReadLinesAsync(later, 3));
        }
        finally
        {
            later.Kill(entireProcessTree: true);
        }
    }

    [SkippableFact]
    public async Task A_lease_kept_alive_outlives_its_ttl_and_its_key_goes_when_it_expires()
    {
        Etcdctl.Require();
        var granted = (await All.RunAsync("lease grant 4")).Out.Trim();
        Assert.Matches("^lease [0-9a-f]+ granted with TTL\\(4s\\)$", granted);
        var id = granted.Split(' ')[1];
        await Member(0).RunAsync($"put lease/key v --lease={id}");
        Assert.Equal($"lease {id} keepalived with TTL(4)", (await Member(1).RunAsync($"lease keep-alive --once {id}")).Out.Trim());
        Assert.Contains("attached keys([lease/key])", (await Member(2).RunAsync($"lease timetolive {id} --keys")).Out, StringComparison.Ordinal);

        // Kept alive (etcdctl renews every TTL/3) for twice the TTL, the key stays.
        using (var keepAlive = Member(2).Start($"lease keep-alive {id}"))
        {
            try
            {
                var renewals = 0;
                for (var seconds = 0; seconds < 8; seconds++)
                {
                    await Task.Delay(1000);
                    Assert.Equal("v", (await All.RunAsync("get lease/key --print-value-only")).Out.Trim());
                }

                keepAlive.Kill(entireProcessTree: true);
                await keepAlive.WaitForExitAsync();
                renewals = Etcdctl.Lines(await keepAlive.StandardOutput.ReadToEndAsync()).Count(l => l == $"lease {id} keepalived with TTL(4)");
                Assert.True(renewals >= 2, $"etcdctl renewed the lease {renewals} times in 8 s");
            }
            finally
            {
                keepAlive.Kill(entireProcessTree: true);
            }
        }

        // Left alone, the lease expires and takes its key.
        await KernelProcess.Until(async () => (await All.RunAsync("get lease/key")).Out.Trim().Length == 0, "the leased key deleted on expiry", Cluster.Logs, 30);
        Assert.Contains("already expired", (await Member(0).RunAsync($"lease timetolive {id}")).Out, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Member_list_and_endpoint_status_show_the_three_members_and_one_leader()
    {
        Etcdctl.Require();
        var members = Etcdctl.Lines((await All.RunAsync("member list")).Out).Select(l => l.Split(", ")).ToArray();
        Assert.Equal(3, members.Length);
        Assert.Equal(Cluster.Names, members.Select(m => m[2]).Order(StringComparer.Ordinal));
        Assert.All(members, m => Assert.Equal("started", m[1]));

        var status = Etcdctl.Lines((await All.RunAsync("endpoint status")).Out).Select(l => l.Split(", ")).ToArray();
        Assert.Equal(Cluster.Endpoints, status.Select(s => s[0]));
        Assert.Equal(members.Select(m => m[0]).Order(StringComparer.Ordinal), status.Select(s => s[1]).Order(StringComparer.Ordinal));
        Assert.Single(status, s => s[4] == "true"); // IS LEADER
        Assert.Single(status.Select(s => s[6]).Distinct()); // one raft term

        var health = await All.RunAsync("endpoint health");
        Assert.Equal(3, Etcdctl.Lines(health.Out + health.Err).Count(l => l.Contains("is healthy", StringComparison.Ordinal)));
    }

    /// <summary>Puts through <paramref name="etcdctl"/> and returns the revision the put created.</summary>
    internal static async Task<long> PutAsync(Etcdctl etcdctl, string key, string value)
    {
        using var json = JsonDocument.Parse((await etcdctl.RunAsync($"put {key} {value} -w json")).Out);
        return json.RootElement.GetProperty("header").GetProperty("revision").GetInt64();
    }
}
