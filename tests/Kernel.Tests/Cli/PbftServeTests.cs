using Kernel.Node.Tests.Etcd.Api;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Cli;

/// <summary>
/// <c>kernel run</c> on <c>consensus/pbft</c> with four members (f = 1): etcdctl's put, get, txn, del, lease and watch
/// through different members, each answered by the member's gateway once two replicas replied alike.
/// </summary>
public sealed class PbftServeTests
{
    [SkippableFact]
    public async Task Run_serves_etcdctl_on_pbft_through_every_member()
    {
        Etcdctl.Require();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // stopped with kill(1)
        }

        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var port = FreeLayoutPort(members: 4);
        var data = Path.Combine(folder.Root, "data").Replace('\\', '/');
        var config = folder.WriteConfig($$"""{ "cluster": { "strategy": "consensus/pbft", "members": 4, "clientPort": {{port}}, "dataDir": "{{data}}", "tickMilliseconds": 20 } }""");
        var members = Enumerable.Range(0, 4).Select(i => new Etcdctl($"127.0.0.1:{port + (10_000 * i)}")).ToArray();

        using var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder);
        Assert.True(kernel.WaitFor("Serving consensus/pbft with 4 members"), "no serving line:\n" + kernel.Output);
        await Until(async () => (await members[0].RunAsync("put greeting hello", mayFail: true)).Exit == 0, "a first put", () => kernel.Output);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("hello", (await members[i].RunAsync("get greeting --print-value-only")).Out.Trim());
            await members[i].RunAsync($"put m/{i} v{i}");
        }

        Assert.Equal(["m/0", "v0", "m/1", "v1", "m/2", "v2", "m/3", "v3"], Etcdctl.Lines((await members[3].RunAsync("get m/ --prefix")).Out));

        const string script = "value(\"greeting\") = \"hello\"\n\nput greeting bye\nput changed yes\n\nput greeting broken\n\n";
        Assert.Equal("SUCCESS", Etcdctl.Lines((await members[1].RunAsync("txn", stdin: script)).Out)[0]);
        Assert.Equal("FAILURE", Etcdctl.Lines((await members[2].RunAsync("txn", stdin: script)).Out)[0]);
        Assert.Equal(["greeting", "broken"], Etcdctl.Lines((await members[0].RunAsync("get greeting")).Out));
        Assert.Equal("4", (await members[2].RunAsync("del m/ --prefix")).Out.Trim());
        Assert.Empty((await members[1].RunAsync("get m/ --prefix")).Out.Trim());

        var granted = (await members[3].RunAsync("lease grant 60")).Out.Trim();
        Assert.Matches("^lease [0-9a-f]+ granted with TTL\\(60s\\)", granted);
        var id = granted.Split(' ')[1];
        await members[0].RunAsync($"put leased v --lease={id}");
        Assert.Equal($"lease {id} keepalived with TTL(60)", (await members[1].RunAsync($"lease keep-alive --once {id}")).Out.Trim());
        Assert.Contains("attached keys([leased])", (await members[2].RunAsync($"lease timetolive {id} --keys")).Out, StringComparison.Ordinal);
        await members[3].RunAsync($"lease revoke {id}");
        Assert.Empty((await members[0].RunAsync("get leased")).Out.Trim());

        using var watch = members[1].Start("watch w");
        try
        {
            await Task.Delay(500); // the watch registers before the put
            await members[2].RunAsync("put w seen");
            Assert.Equal(["PUT", "w", "seen"], await Etcdctl.ReadLinesAsync(watch, 3));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }

        kernel.Stop();
    }
}
