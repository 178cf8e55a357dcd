using System.Diagnostics;
using System.Net;
using System.Text;
using Kernel.Node.Tests.Etcd.Api;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Cli;

/// <summary>The kernel's main job: <c>run</c> serves a cluster that etcdctl talks to, with data that survives a restart.</summary>
public sealed class ServeTests
{
    [SkippableTheory]
    [InlineData("consensus/raft")]
    [InlineData("consensus/multi-paxos")]
    [InlineData("consensus/zab")]
    [InlineData("consensus/vr")]
    public async Task Run_serves_etcdctl_on_the_configured_strategy_and_finds_the_data_again_after_a_restart(string strategy)
    {
        Etcdctl.Require();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // stopped with kill(1)
        }

        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var port = FreeLayoutPort();
        var data = Path.Combine(folder.Root, "data").Replace('\\', '/');
        var config = folder.WriteConfig($$"""{ "cluster": { "strategy": "{{strategy}}", "clientPort": {{port}}, "dataDir": "{{data}}", "tickMilliseconds": 20 } }""");
        var etcdctl = new Etcdctl($"127.0.0.1:{port},127.0.0.1:{port + 10_000},127.0.0.1:{port + 20_000}");

        using (var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder))
        {
            Assert.True(kernel.WaitFor($"Serving {strategy} with 3 members; try: etcdctl --endpoints=127.0.0.1:{port}"), "no serving line:\n" + kernel.Output);
            await Until(async () => (await etcdctl.RunAsync("put greeting hello", mayFail: true)).Exit == 0, "a put once a leader is elected", () => kernel.Output);
            var (_, got, _) = await etcdctl.RunAsync("get greeting --print-value-only");
            Assert.Equal("hello", got.Trim());
            var (_, members, _) = await etcdctl.RunAsync("member list");
            Assert.Equal(3, members.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

            // Each member's HTTP/1.1 listener (client port + 2) serves Prometheus text, the client requests among it.
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{port + 2}/metrics");
            Assert.Contains("method=\"/etcdserverpb.KV/Put\"", metrics, StringComparison.Ordinal);
            Assert.Contains("kernel_node_client_request_duration_seconds_count{", metrics, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port + 2}/health")).StatusCode);
            kernel.Stop();
        }

        Assert.True(Directory.Exists(Path.Combine(data, "m1")), "each member keeps its data under dataDir");
        using (var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder))
        {
            Assert.True(kernel.WaitFor("Serving " + strategy), "no serving line after the restart:\n" + kernel.Output);
            string? value = null;
            await Until(async () =>
            {
                var (exit, output, _) = await etcdctl.RunAsync("get greeting --print-value-only", mayFail: true);
                value = output.Trim();
                return exit == 0 && value.Length > 0;
            }, "a read after the restart", () => kernel.Output);
            Assert.Equal("hello", value);
            kernel.Stop();
        }
    }

    [SkippableFact]
    public async Task Run_serves_etcdctl_on_a_replication_strategy_and_finds_the_data_again_after_a_restart()
    {
        Etcdctl.Require();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // stopped with kill(1)
        }

        using var folder = new TestPluginsFolder();
        folder.Add("UltimateReplication");
        folder.Add("UltimateConflict"); // replication/crdt's default type names crdt/lww-register, which the kernel checks at start
        var port = FreeLayoutPort();
        var data = Path.Combine(folder.Root, "data").Replace('\\', '/');
        var config = folder.WriteConfig($$"""{ "cluster": { "strategy": "replication/sync-quorum", "clientPort": {{port}}, "dataDir": "{{data}}", "tickMilliseconds": 20 } }""");
        var first = new Etcdctl($"127.0.0.1:{port}");
        var third = new Etcdctl($"127.0.0.1:{port + 20_000}");

        using (var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder))
        {
            Assert.True(kernel.WaitFor($"Serving replication/sync-quorum with 3 members; try: etcdctl --endpoints=127.0.0.1:{port}"), "no serving line:\n" + kernel.Output);
            Assert.Contains("Member m1 runs a replica serving etcd's KV API on", kernel.Output, StringComparison.Ordinal);
            await Until(async () => (await first.RunAsync("put greeting hello", mayFail: true)).Exit == 0, "a put once the peers connect", () => kernel.Output);
            var (_, got, _) = await third.RunAsync("get greeting --print-value-only"); // a quorum read on another member
            Assert.Equal("hello", got.Trim());
            var (exit, _, err) = await third.RunAsync("watch greeting", mayFail: true, limit: TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, exit);
            Assert.Contains("Unimplemented", err, StringComparison.Ordinal);
            kernel.Stop();
        }

        using (var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder))
        {
            Assert.True(kernel.WaitFor("Serving replication/sync-quorum"), "no serving line after the restart:\n" + kernel.Output);
            string? value = null;
            await Until(async () =>
            {
                var (exit, output, _) = await third.RunAsync("get greeting --print-value-only", mayFail: true);
                value = output.Trim();
                return exit == 0 && value.Length > 0;
            }, "a read after the restart", () => kernel.Output);
            Assert.Equal("hello", value);
            kernel.Stop();
        }
    }

    [Fact]
    public async Task A_cluster_strategy_no_plugin_registers_is_bad_input_naming_what_exists()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var config = folder.WriteConfig("""{ "cluster": { "strategy": "consensus/paxos" } }""");
        var (code, _, err) = await RunCli("run", "--config", config, "--plugins-dir", folder.Folder);
        Assert.Equal(2, code);
        Assert.Contains("error: cluster.strategy is 'consensus/paxos', which no loaded plugin registers (registered: ", err, StringComparison.Ordinal);
        Assert.Contains("consensus/raft", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "cluster": { "members": 9 } }""", "cluster.members is a number (9); expected 1 to 5.")]
    [InlineData("""{ "cluster": { "strategy": "conflict/lww" } }""", "cluster.strategy is a string (\"conflict/lww\"); expected a consensus strategy as \"consensus/NAME\" (for example \"consensus/raft\") or a replication strategy as \"replication/NAME\"")]
    [InlineData("""{ "cluster": { "port": 1 } }""", "cluster: unknown setting 'port'; allowed: strategy, dataDir, clientPort, members, token, tickMilliseconds, snapshotCount, requestTimeoutMilliseconds.")]
    public async Task Bad_cluster_settings_are_reported_with_their_line(string json, string message)
    {
        using var folder = new TestPluginsFolder();
        var config = folder.WriteConfig(json);
        var (code, _, err) = await RunCli("run", "--config", config, "--plugins-dir", folder.Folder);
        Assert.Equal(2, code);
        Assert.Contains("line 1", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }
}
