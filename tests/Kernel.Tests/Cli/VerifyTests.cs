using static Kernel.Tests.Cli.KernelProcess;
using System.Diagnostics;
using System.Text.Json;

namespace Kernel.Tests.Cli;

public sealed class VerifyTests
{
    private static string[] With(TestPluginsFolder folder, params string[] args) =>
        [.. args, "--config", folder.WriteConfig("{}"), "--plugins-dir", folder.Folder];

    [Fact]
    public async Task Verify_runs_raft_under_all_faults_and_reports_one_json_object()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");

        var (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--nodes", "5", "--seeds", "3", "--faults", "all", "--json"));

        Assert.True(code == 0, stdout + err);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("seeds").GetInt32());
        Assert.True(root.GetProperty("operations").GetProperty("total").GetInt32() > 100);
        Assert.True(root.GetProperty("operations").GetProperty("info").GetInt32() > 0, "faults should leave some outcomes unknown");
        Assert.Equal(0, root.GetProperty("violations").GetArrayLength());
    }

    [Fact]
    public async Task Verify_with_ops_bounds_the_safety_phase()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");

        var (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--seed", "4", "--ops", "50", "--faults", "partition,crash", "--json"));

        Assert.True(code == 0, stdout + err);
        using var doc = JsonDocument.Parse(stdout);
        var total = doc.RootElement.GetProperty("operations").GetProperty("total").GetInt32();
        Assert.InRange(total, 50, 50 + 5 + 10); // the quota, the liveness phase's few, and the clients' last in flight
    }

    [Fact]
    public async Task Verify_writes_the_trace_and_history_of_a_seed()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var trace = Path.Combine(folder.Root, "trace.txt");
        var history = Path.Combine(folder.Root, "history.jsonl");

        var (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--seed", "9", "--trace", trace, "--history", history));

        Assert.True(code == 0, stdout + err);
        Assert.True(new FileInfo(trace).Length > 1000);
        var (checkCode, checkOut, _) = await RunCli("check-history", "--model", "kv-cas", history);
        Assert.True(checkCode == 0, checkOut);
    }

    [Fact]
    public async Task Verify_rejects_unknown_and_non_consensus_strategies_and_bad_faults()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        folder.Add("SamplePlugin");

        var (code, _, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/paxos"));
        Assert.Equal(2, code);
        Assert.Contains("--strategy 'consensus/paxos' is not registered; consensus strategies: consensus/raft.", err);

        var (code2, _, err2) = await RunCli(With(folder, "verify", "--strategy", "conflict/sample-lww"));
        Assert.Equal(2, code2);
        Assert.Contains("conflict/sample-lww is a conflict strategy; verify runs consensus strategies", err2);

        var (code3, _, err3) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--faults", "partition,meteor"));
        Assert.Equal(2, code3);
        Assert.Contains("meteor", err3);
    }

    [Fact]
    public async Task Verify_runs_a_replication_plugin_and_catches_its_broken_variant()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("ToyReplicationPlugin");

        var (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "replication/toy-lww", "--seeds", "5", "--json"));
        Assert.True(code == 0, stdout + err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("violations").GetArrayLength());
            Assert.True(doc.RootElement.GetProperty("operations").GetProperty("ok").GetInt32() > 100);
        }

        var (badCode, badOut, badErr) = await RunCli(With(folder, "verify", "--strategy", "replication/toy-lww-noantientropy", "--seeds", "5", "--json"));
        Assert.True(badCode == 1, badOut + badErr);
        using var bad = JsonDocument.Parse(badOut);
        Assert.Contains(bad.RootElement.GetProperty("violations").EnumerateArray(), v => v.GetProperty("kind").GetString() == "convergence");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_trace_hash_in_another_process()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var args = With(folder, "verify", "--strategy", "consensus/raft", "--seed", "7", "--json");

        var (code, stdout, err) = await RunCli(args);
        Assert.True(code == 0, stdout + err);
        var inProcess = TraceHash(stdout);

        var other = RunKernelProcess(args);
        var again = RunKernelProcess(args);
        Assert.Equal(inProcess, TraceHash(other));
        Assert.Equal(inProcess, TraceHash(again));

        var (_, different, _) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--seed", "8", "--json"));
        Assert.NotEqual(inProcess, TraceHash(different));
    }

    private static string TraceHash(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var hash = doc.RootElement.GetProperty("traceHash").GetString();
        Assert.False(string.IsNullOrEmpty(hash));
        return hash!;
    }

    private static string RunKernelProcess(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kernel.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_TieredCompilation"] = "0"; // a differently compiled process, same trace
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);
        return stdout.Result;
    }
}
