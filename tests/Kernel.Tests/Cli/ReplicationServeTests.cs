using Kernel.Node.Tests.Etcd.Api;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Cli;

/// <summary>
/// Three <c>kernel node</c> processes on each replication mode in turn (and a third-party replication strategy, the toy
/// last-writer-wins of ToyReplicationPlugin), serving etcd's KV API: etcdctl puts through one member and gets from another
/// (a mode that is only eventually consistent converges: the get is retried, bounded), deletes, and a member killed with
/// SIGKILL right after acknowledging a write finds it again when started on its data.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class ReplicationServeTests
{
    [SkippableTheory]
    [InlineData("replication/sync-quorum", true, true, null)]
    [InlineData("replication/async", false, true, null)]
    [InlineData("replication/multi-master", false, true, """{ "replication": { "multi-master": { "options": { "resolver": "conflict/last-writer-wins" } } } }""")]
    [InlineData("replication/real-time", false, true, null)]
    [InlineData("replication/delta", false, true, null)]
    [InlineData("replication/crdt", false, false, null)]
    [InlineData("replication/toy-lww", false, false, null)] // keeps no tombstones: refuses deletes
    public async Task Etcdctl_puts_gets_and_deletes_through_the_members_and_kill_9_keeps_acknowledged_writes(string strategy, bool linearizable, bool deletes, string? strategies)
    {
        Etcdctl.Require();
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // kill(1)
        }

        using var cluster = ProcessCluster.Start("replication-serve", strategy: strategy, plugins: ["UltimateReplication", "UltimateConflict", "ToyReplicationPlugin"], strategies: strategies);
        var etcdctl = cluster.Endpoints.Select(e => new Etcdctl(e)).ToArray();
        var read = linearizable ? "get" : "get --consistency=s";

        // Once the members run and their peer streams connect, a put through the first one is acknowledged.
        await Until(async () => (await etcdctl[0].RunAsync("put greeting hello", mayFail: true)).Exit == 0, "a put through m1", cluster.Logs, 90);
        await Until(async () => (await etcdctl[1].RunAsync(read + " greeting --print-value-only", mayFail: true)).Out.Trim() == "hello", "m2 reading greeting=hello", cluster.Logs, 60);
        if (!linearizable)
        {
            // What the mode cannot promise is refused, saying what to ask for instead.
            var (exit, _, err) = await etcdctl[1].RunAsync("get greeting", mayFail: true);
            Assert.NotEqual(0, exit);
            Assert.Contains("serves no linearizable reads; ask for a serializable read (etcdctl --consistency=s", err, StringComparison.Ordinal);
        }

        var (delExit, deleted, delErr) = await etcdctl[1].RunAsync("del greeting", mayFail: true);
        if (deletes)
        {
            Assert.True(delExit == 0 && deleted.Trim() == "1", $"del through m2: exit {delExit}, '{deleted}', {delErr}\n{cluster.Logs()}");
            await Until(async () => (await etcdctl[2].RunAsync(read + " greeting", mayFail: true)) is { Exit: 0, Out: var o } && o.Trim().Length == 0, "m3 no longer holding greeting", cluster.Logs, 60);
        }
        else
        {
            Assert.NotEqual(0, delExit);
            Assert.Contains("cannot delete a key", delErr, StringComparison.Ordinal); // a CRDT only grows, the toy keeps no tombstones: refused, not pretended
        }

        // Acknowledged by m1, which dies at once with SIGKILL: started again on its data, it (or, for a backup, the
        // primary it catches up from) still holds the write.
        await etcdctl[0].RunAsync("put durable yes");
        cluster.Members[0]!.Kill9();
        cluster.StartMember(0);
        await Until(async () => (await etcdctl[0].RunAsync(read + " durable --print-value-only", mayFail: true)).Out.Trim() == "yes", "m1 holding durable=yes after its restart", cluster.Logs, 90);
        await Until(async () => (await etcdctl[2].RunAsync(read + " durable --print-value-only", mayFail: true)).Out.Trim() == "yes", "m3 holding durable=yes", cluster.Logs, 60);
        cluster.StopAll();
    }

    [Fact]
    public async Task Kernel_node_with_a_strategy_that_serves_no_cluster_names_the_consensus_and_replication_strategies()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        folder.Add("UltimateReplication");
        folder.Add("UltimateConflict");
        var config = folder.WriteConfig("{ }");

        var (code, _, err) = await RunCli(
            "node", "--name", "m1", "--listen-peer-urls", "http://127.0.0.1:1", "--listen-client-urls", "http://127.0.0.1:2",
            "--initial-cluster", "m1=http://127.0.0.1:1", "--strategy", "conflict/last-writer-wins", "--config", config, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains("--strategy is 'conflict/last-writer-wins', which is not a registered consensus or replication strategy (registered: ", err, StringComparison.Ordinal);
        Assert.Contains("consensus/raft", err, StringComparison.Ordinal);
        Assert.Contains("replication/sync-quorum", err, StringComparison.Ordinal);
        Assert.DoesNotContain("conflict/", err[err.IndexOf("(registered: ", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }
}
