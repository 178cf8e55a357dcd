using System.Text.Json;

namespace Kernel.Node.Tests.Etcd.Api;

/// <summary><c>etcdctl</c> 3.4 against the member's gRPC API in a real Kestrel server.</summary>
public sealed class EtcdctlTests : IAsyncLifetime
{
    private EtcdTestServer _server = null!;
    private Etcdctl _etcdctl = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdTestServer.StartAsync();
        _etcdctl = new Etcdctl(_server.Endpoint);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [SkippableFact]
    public async Task Put_get_by_prefix_revision_and_limit_then_delete()
    {
        Etcdctl.Require();
        Assert.Equal("OK", (await _etcdctl.RunAsync("put greeting hello")).Out.Trim());
        await _etcdctl.RunAsync("put greeting bonjour");
        await _etcdctl.RunAsync("put app/a 1");
        await _etcdctl.RunAsync("put app/b 2");
        await _etcdctl.RunAsync("put app/c 3");

        Assert.Equal(["greeting", "bonjour"], Etcdctl.Lines((await _etcdctl.RunAsync("get greeting")).Out));
        Assert.Equal(["greeting", "hello"], Etcdctl.Lines((await _etcdctl.RunAsync("get greeting --rev=2")).Out));
        Assert.Equal(["app/a", "1", "app/b", "2", "app/c", "3"], Etcdctl.Lines((await _etcdctl.RunAsync("get app/ --prefix")).Out));
        Assert.Equal(["app/a", "1", "app/b", "2"], Etcdctl.Lines((await _etcdctl.RunAsync("get app/ --prefix --limit=2")).Out));
        Assert.Equal(["app/a", "app/b", "app/c"], Etcdctl.Lines((await _etcdctl.RunAsync("get app/ --prefix --keys-only")).Out));

        using var json = JsonDocument.Parse((await _etcdctl.RunAsync("get app/ --prefix --limit=1 -w json")).Out);
        Assert.Equal(3, json.RootElement.GetProperty("count").GetInt64());
        Assert.True(json.RootElement.GetProperty("more").GetBoolean());
        Assert.Equal(6, json.RootElement.GetProperty("header").GetProperty("revision").GetInt64());

        Assert.Equal("3", (await _etcdctl.RunAsync("del app/ --prefix")).Out.Trim());
        Assert.Equal("1", (await _etcdctl.RunAsync("del greeting")).Out.Trim());
        Assert.Empty((await _etcdctl.RunAsync("get \"\" --from-key")).Out.Trim());
    }

    [SkippableFact]
    public async Task Txn_from_stdin_takes_the_branch_its_compare_decides()
    {
        Etcdctl.Require();
        await _etcdctl.RunAsync("put flag on");
        const string script = "value(\"flag\") = \"on\"\n\nput flag off\nput changed yes\n\nput flag broken\n\n";
        var first = await _etcdctl.RunAsync("txn", stdin: script);
        Assert.Equal("SUCCESS", Etcdctl.Lines(first.Out)[0]);
        var second = await _etcdctl.RunAsync("txn", stdin: script);
        Assert.Equal("FAILURE", Etcdctl.Lines(second.Out)[0]);
        Assert.Equal(["flag", "broken"], Etcdctl.Lines((await _etcdctl.RunAsync("get flag")).Out));
        Assert.Equal(["changed", "yes"], Etcdctl.Lines((await _etcdctl.RunAsync("get changed")).Out));
    }

    [SkippableFact]
    public async Task Watch_from_a_revision_prints_history_then_live_events()
    {
        Etcdctl.Require();
        await _etcdctl.RunAsync("put w/a 1");   // 2
        await _etcdctl.RunAsync("put w/b 2");   // 3
        using var watch = _etcdctl.Start("watch w/ --prefix --rev=2");
        try
        {
            Assert.Equal(["PUT", "w/a", "1", "PUT", "w/b", "2"], await Etcdctl.ReadLinesAsync(watch, 6));
            await _etcdctl.RunAsync("del w/a");
            Assert.Equal(["DELETE", "w/a"], await Etcdctl.ReadLinesAsync(watch, 2));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [SkippableFact]
    public async Task Watch_from_a_compacted_revision_is_cancelled_with_etcds_reason()
    {
        Etcdctl.Require();
        await _etcdctl.RunAsync("put k 1");
        await _etcdctl.RunAsync("put k 2");
        await _etcdctl.RunAsync("compact 3");
        var watch = await _etcdctl.RunAsync("watch k --rev=2", mayFail: true);
        Assert.NotEqual(0, watch.Exit);
        Assert.Contains("etcdserver: mvcc: required revision has been compacted", watch.Out + watch.Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Lease_grant_keep_alive_once_and_time_to_live()
    {
        Etcdctl.Require();
        var granted = (await _etcdctl.RunAsync("lease grant 60")).Out;
        Assert.Matches("^lease [0-9a-f]+ granted with TTL\\(60s\\)", granted.Trim());
        var id = granted.Split(' ')[1];
        await _etcdctl.RunAsync($"put leased v --lease={id}");
        Assert.Equal($"lease {id} keepalived with TTL(60)", (await _etcdctl.RunAsync($"lease keep-alive --once {id}")).Out.Trim());
        var ttl = (await _etcdctl.RunAsync($"lease timetolive {id} --keys")).Out.Trim();
        Assert.Matches($"^lease {id} granted with TTL\\(60s\\), remaining\\(([1-5][0-9]|60)s\\), attached keys\\(\\[leased\\]\\)$", ttl);
        Assert.Contains(id, (await _etcdctl.RunAsync("lease list")).Out, StringComparison.Ordinal);
        await _etcdctl.RunAsync($"lease revoke {id}");
        Assert.Empty((await _etcdctl.RunAsync("get leased")).Out.Trim());
        Assert.Equal($"lease {id} already expired", (await _etcdctl.RunAsync($"lease timetolive {id}")).Out.Trim());
    }

    [SkippableFact]
    public async Task Member_list_endpoint_status_alarm_list_and_defrag()
    {
        Etcdctl.Require();
        var members = Etcdctl.Lines((await _etcdctl.RunAsync("member list")).Out);
        Assert.Equal($"100001, started, member-1, http://127.0.0.1:2380, {_server.Url}, false", Assert.Single(members));

        using var status = JsonDocument.Parse((await _etcdctl.RunAsync("endpoint status -w json")).Out);
        var entry = status.RootElement[0];
        Assert.Equal(_server.Endpoint, entry.GetProperty("Endpoint").GetString());
        var body = entry.GetProperty("Status");
        Assert.Equal(SingleMemberNodeClient.MemberId, body.GetProperty("leader").GetUInt64());
        Assert.Equal("3.4.0", body.GetProperty("version").GetString());
        Assert.Equal(SingleMemberNodeClient.ClusterId, body.GetProperty("header").GetProperty("cluster_id").GetUInt64());

        Assert.Empty((await _etcdctl.RunAsync("alarm list")).Out.Trim());
        Assert.Contains("Finished defragmenting etcd member", (await _etcdctl.RunAsync("defrag")).Out, StringComparison.Ordinal);
    }
}
