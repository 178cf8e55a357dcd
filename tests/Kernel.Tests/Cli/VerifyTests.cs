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
    public async Task Verify_writes_an_html_report_and_names_report_when_its_directory_is_missing()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var report = Path.Combine(folder.Root, "report.html");

        var (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--seed", "5", "--duration", "2", "--report", report));

        Assert.True(code == 0, stdout + err);
        var html = File.ReadAllText(report);
        Assert.Contains("<svg id=\"timeline\">", html, StringComparison.Ordinal);
        Assert.Contains("\"seed\":5,", html, StringComparison.Ordinal);
        Assert.Contains("the first seed (no violation)", html, StringComparison.Ordinal);

        (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--seed", "5", "--report", "/no/such/dir/r.html"));
        Assert.Equal(2, code);
        Assert.Contains("--report '/no/such/dir/r.html': cannot write it, directory '/no/such/dir' does not exist.", stdout + err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_rejects_unknown_and_non_consensus_strategies_and_bad_faults()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        folder.Add("SamplePlugin");

        var (code, _, err) = await RunCli(With(folder, "verify", "--strategy", "consensus/paxos"));
        Assert.Equal(2, code);
        Assert.Contains("--strategy 'consensus/paxos' is not registered; consensus strategies: ", err);
        Assert.Contains("consensus/pbft", err);
        Assert.Contains("consensus/raft", err);

        var (code2, _, err2) = await RunCli(With(folder, "verify", "--strategy", "conflict/sample-lww"));
        Assert.Equal(2, code2);
        Assert.Contains("conflict/sample-lww is a conflict strategy; verify runs consensus strategies", err2);

        var (code3, _, err3) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--faults", "partition,meteor"));
        Assert.Equal(2, code3);
        Assert.Contains("meteor", err3);
    }

    [Fact]
    public async Task A_replication_strategy_uses_another_plugins_conflict_strategy_by_name()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("ToyReplicationPlugin");
        folder.Add("SamplePlugin");

        // replication/toy-lww (ToyReplicationPlugin) lets conflict/sample-lww (SamplePlugin) decide which version wins.
        var (code, stdout, err) = await RunCli(With(folder, "verify", "--strategy", "replication/toy-lww", "--seeds", "3", "--json",
            "--strategies:replication:toy-lww:options:resolver=conflict/sample-lww"));
        Assert.True(code == 0, stdout + err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("violations").GetArrayLength());
            Assert.True(doc.RootElement.GetProperty("operations").GetProperty("ok").GetInt32() > 100);
        }

        // A reference to nothing is bad input before anything runs, naming the conflict strategies that exist.
        var (badCode, badOut, badErr) = await RunCli(With(folder, "verify", "--strategy", "replication/toy-lww", "--seeds", "1",
            "--strategies:replication:toy-lww:options:resolver=conflict/no-such"));
        Assert.True(badCode == 2, badOut + badErr);
        Assert.Contains("no-such", badErr, StringComparison.Ordinal);
        Assert.Contains("sample-lww", badErr, StringComparison.Ordinal);
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

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e308")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("86401")]
    public async Task A_duration_that_is_not_a_positive_number_of_seconds_in_range_is_bad_input(string value)
    {
        var (code, stdout, err) = await RunCli("verify", "--strategy", "consensus/raft", "--duration", value);
        Assert.Equal(2, code);
        Assert.Equal($"error: --duration is '{value}'; it must be a positive number of simulated seconds up to 86400.", err.Trim());
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("--nodes", "0", "error: --nodes is 0; allowed 1..15 (nodes in the simulated cluster).")]
    [InlineData("--nodes", "16", "error: --nodes is 16; allowed 1..15 (nodes in the simulated cluster).")]
    [InlineData("--seeds", "0", "error: --seeds is 0; allowed 1..2147483647.")]
    [InlineData("--seeds", "-3", "error: --seeds is -3; allowed 1..2147483647.")]
    [InlineData("--seed", "-1", "error: --seed is -1; allowed 0..9223372036854775806 (room for 1 seed(s)).")]
    [InlineData("--ops", "0", "error: --ops is 0; allowed 1..10000000 (client operations in the safety phase).")]
    [InlineData("--ops", "10000001", "error: --ops is 10000001; allowed 1..10000000 (client operations in the safety phase).")]
    public async Task Counts_out_of_range_are_named_by_their_option(string option, string value, string message)
    {
        var (code, _, err) = await RunCli("verify", "--strategy", "consensus/raft", option, value);
        Assert.Equal(2, code);
        Assert.Equal(message, err.Trim());
        Assert.DoesNotContain("Nodes is", err);
        Assert.DoesNotContain("FirstSeed", err);
    }

    [Fact]
    public async Task Every_bad_option_is_reported_at_once()
    {
        var (code, _, err) = await RunCli("verify", "--strategy", "consensus/raft", "--nodes", "0", "--seeds", "0", "--ops", "0", "--duration", "NaN");
        Assert.Equal(2, code);
        var lines = err.Trim().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("error: --", l, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("none,all", "error: --faults 'none,all': 'none' contradicts 'all'; give none alone, or the faults to inject (all, none, or a comma-separated list of partition, crash, drop, duplicate, reorder, clock, disk, pause, transfer, membership, sector).")]
    [InlineData("none,crash", "error: --faults 'none,crash': 'none' contradicts 'crash'; give none alone, or the faults to inject (all, none, or a comma-separated list of partition, crash, drop, duplicate, reorder, clock, disk, pause, transfer, membership, sector).")]
    [InlineData("partition,meteor", "error: --faults 'partition,meteor': unknown fault 'meteor'; allowed: all, none, or a comma-separated list of partition, crash, drop, duplicate, reorder, clock, disk, pause, transfer, membership, sector.")]
    public async Task Contradictory_or_unknown_faults_are_bad_input(string faults, string message)
    {
        var (code, _, err) = await RunCli("verify", "--strategy", "consensus/raft", "--faults", faults);
        Assert.Equal(2, code);
        Assert.Equal(message, err.Trim());
    }

    [Fact]
    public async Task A_strategy_disabled_by_configuration_is_reported_as_disabled_and_where()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var config = folder.WriteConfig("""{"strategies":{"consensus":{"raft":{"enabled":false}}}}""");

        var (code, _, err) = await RunCli("verify", "--strategy", "consensus/raft", "--seed", "1", "--config", config, "--plugins-dir", folder.Folder);
        Assert.Equal(2, code);
        Assert.Contains($"error: consensus/raft is disabled ({config} line 1: strategies.consensus.raft.enabled is false); enable it or pass --strategies:consensus:raft:enabled=true.", err);
        Assert.DoesNotContain("not registered", err);

        var (code2, _, err2) = await RunCli(With(folder, "verify", "--strategy", "consensus/raft", "--seed", "1", "--strategies:consensus:raft:enabled=false"));
        Assert.Equal(2, code2);
        Assert.Contains("error: consensus/raft is disabled (command-line argument '--strategies:consensus:raft:enabled=false': strategies.consensus.raft.enabled is false);", err2);

        // Enabled again on the command line, as the message says: it runs.
        var (code3, stdout3, err3) = await RunCli("verify", "--strategy", "consensus/raft", "--seed", "1", "--ops", "20", "--config", config, "--plugins-dir", folder.Folder,
            "--strategies:consensus:raft:enabled=true");
        Assert.True(code3 == 0, stdout3 + err3);
    }

    [Fact]
    public async Task A_disabled_plugin_is_named_when_its_strategy_is_not_registered()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var config = folder.WriteConfig("""{"plugins":{"UltimateConsensus":{"enabled":false}}}""");

        var (code, _, err) = await RunCli("verify", "--strategy", "consensus/raft", "--config", config, "--plugins-dir", folder.Folder);
        Assert.Equal(2, code);
        Assert.Contains("--strategy 'consensus/raft' is not registered; consensus strategies: none.", err);
        Assert.Contains("Disabled plugins, whose strategies are not known until enabled (--plugins:ID:enabled=true): UltimateConsensus.", err);
    }

    [Fact]
    public async Task The_replay_line_reproduces_the_exact_run()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var config = folder.WriteConfig("{}");
        const string Override = "--strategies:consensus:raft:options:heartbeatIntervalTicks=3";

        var (code, stdout, err) = await RunCli("verify", "--strategy", "consensus/raft", "--seed", "11", "--nodes", "3", "--duration", "2.5", "--ops", "60",
            "--faults", "partition,crash,drop", "--config", config, "--plugins-dir", folder.Folder, Override, "--json");
        Assert.True(code == 0, stdout + err);
        string hash, replay;
        using (var doc = JsonDocument.Parse(stdout))
        {
            hash = doc.RootElement.GetProperty("traceHash").GetString()!;
            replay = doc.RootElement.GetProperty("reproduce").GetString()!;
        }

        Assert.Equal(
            $"kernel verify --strategy consensus/raft --seed 11 --seeds 1 --nodes 3 --duration 2.5 --ops 60 --faults partition,crash,drop --config {config} --plugins-dir {folder.Folder} {Override} --trace trace-11.txt --history history-11.jsonl",
            replay);

        var args = replay.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("kernel", args[0]);
        try
        {
            var (replayCode, replayOut, replayErr) = await RunCli(args[1..]);
            Assert.True(replayCode == 0, replayOut + replayErr);
            Assert.Contains("verify consensus/raft: 1 seed(s) from 11, 3 nodes, faults partition,crash,drop", replayOut);
            Assert.Contains("trace hash: " + hash, replayOut);
            Assert.Contains("replay: " + replay, replayOut);
        }
        finally
        {
            File.Delete("trace-11.txt");
            File.Delete("history-11.jsonl");
        }

        // The override matters: without it the same seed runs differently, so the replay line must carry it.
        var (_, without, _) = await RunCli("verify", "--strategy", "consensus/raft", "--seed", "11", "--nodes", "3", "--duration", "2.5", "--ops", "60",
            "--faults", "partition,crash,drop", "--config", config, "--plugins-dir", folder.Folder, "--json");
        using var other = JsonDocument.Parse(without);
        Assert.NotEqual(hash, other.RootElement.GetProperty("traceHash").GetString());
    }

    [Fact]
    public async Task Help_states_the_exit_codes()
    {
        var (code, raw, _) = await RunCli("verify", "--help");
        var stdout = System.Text.RegularExpressions.Regex.Replace(raw, @"\s+", " ");
        Assert.Equal(0, code);
        Assert.Contains("Exit codes: 0 no violation; 1 at least one violation, or a seed whose history got no linearizability verdict within the check budget (kind 'unchecked')", stdout);
        Assert.Contains("2 bad input", stdout);
        Assert.Contains("--nodes", stdout);
        Assert.Contains("1..15", stdout);
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
