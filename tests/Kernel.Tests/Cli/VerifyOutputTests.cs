using System.Text.Json;
using Kernel.Host.Cli;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;

namespace Kernel.Tests.Cli;

/// <summary>
/// The <c>verify</c> verb's output around the kit's verifier, on the kit's toy strategies: the JSON shape, the text
/// report, the replay line, and the exit codes (0 clean, 1 a violation or an unchecked seed, 2 bad input).
/// </summary>
public sealed class VerifyOutputTests
{
    [Fact]
    public void Json_output_has_the_documented_shape_and_exit_code_1_on_violation()
    {
        var output = new StringWriter();
        var code = VerifyOutput.Run(new ToyRaftStrategy(ToyFlaw.NoSync), new VerifyOptions { Seeds = 2 }, output, json: true);
        Assert.Equal(VerifyOutput.ExitViolations, code);
        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("seeds").GetInt32());
        var ops = root.GetProperty("operations");
        Assert.Equal(ops.GetProperty("total").GetInt32(), ops.GetProperty("ok").GetInt32() + ops.GetProperty("fail").GetInt32() + ops.GetProperty("info").GetInt32());
        var v = root.GetProperty("violations")[0];
        Assert.Equal(1, v.GetProperty("seed").GetInt64());
        Assert.False(string.IsNullOrEmpty(v.GetProperty("kind").GetString()));
        Assert.False(string.IsNullOrEmpty(v.GetProperty("message").GetString()));
        Assert.True(root.GetProperty("simulatedSeconds").GetDouble() > 0);
        Assert.True(root.GetProperty("wallSeconds").GetDouble() >= 0);
    }

    [Fact]
    public void Text_output_is_clean_with_exit_0_and_prints_the_reproduce_command_on_violation()
    {
        var clean = new StringWriter();
        Assert.Equal(VerifyOutput.ExitClean, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { Seeds = 2 }, clean));
        Assert.Contains("no violations", clean.ToString(), StringComparison.Ordinal);

        var broken = new StringWriter();
        Assert.Equal(VerifyOutput.ExitViolations, VerifyOutput.Run(new ToyRaftStrategy(ToyFlaw.NoSync), new VerifyOptions { Seeds = 1 }, broken, strategyName: "toy"));
        Assert.Contains("kernel verify --strategy toy --seed 1 --seeds 1 --nodes 5 --duration 10 --faults all --trace trace-1.txt", broken.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_reproduce_command_repeats_every_option_of_the_run()
    {
        var options = new VerifyOptions
        {
            Simulation = new SimulationOptions { Nodes = 3, SafetyDuration = TimeSpan.FromSeconds(2.5), Operations = 40, Faults = SimFaults.Partition | SimFaults.Crash },
        };
        Assert.Equal(
            "kernel verify --strategy consensus/raft --seed 7 --seeds 1 --nodes 3 --duration 2.5 --ops 40 --faults partition,crash "
            + "--config 'my dir/p.json' --strategies:consensus:raft:options:maxBatchEntries=20 'it'\\''s' --trace trace-7.txt --history history-7.jsonl",
            VerifyOutput.ReproduceCommand("consensus/raft", 7, options, ["--config", "my dir/p.json", "--strategies:consensus:raft:options:maxBatchEntries=20", "it's"]));
        Assert.Equal(
            "kernel verify --strategy toy --seed 1 --seeds 1 --nodes 5 --duration 10 --faults all --trace trace-1.txt --history history-1.jsonl",
            VerifyOutput.ReproduceCommand("toy", 1, new VerifyOptions()));
    }

    [Fact]
    public void A_seed_without_a_verdict_is_reported_unchecked_with_exit_1()
    {
        var options = new VerifyOptions { Seeds = 2, CheckMaxSteps = 1 };
        var json = new StringWriter();
        Assert.Equal(VerifyOutput.ExitViolations, VerifyOutput.Run(new ToyRaftStrategy(), options, json, json: true, strategyName: "toy"));
        using var doc = JsonDocument.Parse(json.ToString());
        Assert.Equal(2, doc.RootElement.GetProperty("uncheckedSeeds").GetInt32());
        var violations = doc.RootElement.GetProperty("violations").EnumerateArray().ToArray();
        Assert.Equal(2, violations.Length);
        Assert.Equal("unchecked", violations[0].GetProperty("kind").GetString());
        Assert.StartsWith("kernel verify --strategy toy --seed 1 --seeds 1 ", violations[0].GetProperty("reproduce").GetString(), StringComparison.Ordinal);

        var text = new StringWriter();
        Assert.Equal(VerifyOutput.ExitViolations, VerifyOutput.Run(new ToyRaftStrategy(), options, text, strategyName: "toy"));
        Assert.Contains("unchecked: 2 seed(s) had no linearizability verdict within the check budget; they count as not clean", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("2 violation(s), 2 of them unchecked:", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("  seed 1: unchecked at ", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("reproduce the first with:", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("no violations", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unwritable_output_files_are_named_by_option()
    {
        var output = new StringWriter();
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { TraceFile = "/no/such/dir/t.txt", HistoryFile = "/no/such/dir/h.jsonl" }, output));
        Assert.Contains("error: --trace '/no/such/dir/t.txt': cannot write it, directory '/no/such/dir' does not exist.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("error: --history '/no/such/dir/h.jsonl': cannot write it, directory '/no/such/dir' does not exist.", output.ToString(), StringComparison.Ordinal);

        output = new StringWriter();
        var dir = Path.GetTempPath();
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { TraceFile = dir }, output));
        Assert.Contains($"error: --trace '{dir}' is a directory; give a file to write.", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_gives_exit_code_2()
    {
        var output = new StringWriter();
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { Seeds = 0 }, output));
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { Simulation = new SimulationOptions { Nodes = 0 } }, output, json: true));
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { TraceFile = "/no/such/dir/t.txt" }, output));
    }

    [Fact]
    public void What_the_replicas_measure_is_printed_as_a_distribution_in_text_and_json()
    {
        var text = new StringWriter();
        Assert.Equal(VerifyOutput.ExitClean, VerifyOutput.Run(new ToyLwwStrategy(), new VerifyOptions { Seeds = 2 }, text));
        var line = Assert.Single(text.ToString().Split('\n'), l => l.StartsWith("submit-key-chars: ", StringComparison.Ordinal));
        Assert.Matches(@"^submit-key-chars: [1-9][0-9]* measured: p50 [0-9]+, p90 [0-9]+, p99 [0-9]+, max [0-9]+\r?$", line);

        var json = new StringWriter();
        VerifyOutput.Run(new ToyLwwStrategy(), new VerifyOptions { Seeds = 2 }, json, json: true);
        var measured = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("measurements").GetProperty("submit-key-chars");
        Assert.True(measured.GetProperty("count").GetInt64() > 0);
        Assert.True(measured.GetProperty("p50").GetInt64() <= measured.GetProperty("max").GetInt64());

        // A consensus strategy measures nothing: no such lines, no such object.
        var consensus = new StringWriter();
        VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { Seeds = 1 }, consensus, json: true);
        Assert.False(JsonDocument.Parse(consensus.ToString()).RootElement.TryGetProperty("measurements", out _));
    }

    [Fact]
    public void A_measurement_in_ticks_is_also_shown_in_simulated_milliseconds()
    {
        var cluster = SimCluster.Create(new ToyLwwStrategy(), new SimulationOptions { Nodes = 1, Faults = SimFaults.None });
        cluster.Submit(new NodeId(1), 1, new KvCommand(KvOp.Put, "abc", "v"));
        var d = cluster.Measurements["submit-key-chars"];
        Assert.Equal("lag-ticks: 1 measured: p50 3, p90 3, p99 3, max 3 (p50 30 ms, p99 30 ms, max 30 ms at 10 ms per tick)",
            VerifyOutput.MeasurementLine("lag-ticks", d, TimeSpan.FromMilliseconds(10)));
        Assert.Equal("key-chars: 1 measured: p50 3, p90 3, p99 3, max 3", VerifyOutput.MeasurementLine("key-chars", d, TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Verify_command_runs_a_replication_strategy_and_rejects_other_categories()
    {
        var clean = new StringWriter();
        Assert.Equal(VerifyOutput.ExitClean, VerifyOutput.Run(new ToyLwwStrategy(), new VerifyOptions { Seeds = 2 }, clean));
        Assert.Contains("no violations", clean.ToString(), StringComparison.Ordinal);

        var broken = new StringWriter();
        Assert.Equal(VerifyOutput.ExitViolations,
            VerifyOutput.Run(new ToyLwwStrategy(LwwFlaw.NoAntiEntropy), new VerifyOptions { Seeds = 1 }, broken, strategyName: "replication/toy-lww"));
        Assert.Contains("convergence", broken.ToString(), StringComparison.Ordinal);
        Assert.Contains("kernel verify --strategy replication/toy-lww --seed 1", broken.ToString(), StringComparison.Ordinal);

        var other = new StringWriter();
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new NotSimulated(), new VerifyOptions { Seeds = 1 }, other));
        Assert.Contains("not-simulated is a conflict strategy", other.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_file_in_a_missing_directory_is_named_by_option()
    {
        var output = new StringWriter();
        Assert.Equal(VerifyOutput.ExitBadInput, VerifyOutput.Run(new ToyRaftStrategy(), new VerifyOptions { ReportFile = "/no/such/dir/r.html" }, output));
        Assert.Contains("error: --report '/no/such/dir/r.html': cannot write it, directory '/no/such/dir' does not exist.", output.ToString(), StringComparison.Ordinal);
    }

    private sealed class NotSimulated : IStrategy
    {
        public StrategyCategory Category => StrategyCategory.Conflict;

        public string Name => "not-simulated";

        public string Description => "a strategy with no cluster";

        public IReadOnlyList<string> ValidateOptions(Microsoft.Extensions.Configuration.IConfiguration options) => [];
    }
}
