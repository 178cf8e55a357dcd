using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;

namespace Kernel.Sdk.Testing.Tests.Verification;

/// <summary>Proof that the verifier bites: the correct toy passes, every deliberately broken one is caught fast.</summary>
public sealed class VerifierTests
{
    [Fact]
    public void Correct_toy_raft_passes_50_seeds_with_every_fault()
    {
        var summary = Verifier.Run(new ToyRaftStrategy(), new VerifyOptions { Seeds = 50 });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(50, summary.SeedsRun);
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Operations.Ok > 50 * 100, "the workload does real work");
        Assert.True(summary.Operations.Info > 0, "faults make some outcomes unknown");
        Assert.True(summary.SimulatedTime > TimeSpan.FromSeconds(50 * 10));
    }

    [Theory]
    [InlineData(ToyFlaw.EarlyCommit, new[] { ViolationKinds.StateMachineSafety, ViolationKinds.Linearizability, ViolationKinds.LostAcknowledgedWrite })]
    [InlineData(ToyFlaw.LocalReads, new[] { ViolationKinds.Linearizability })]
    [InlineData(ToyFlaw.NoSync, new[] { ViolationKinds.AppliedPrefix, ViolationKinds.ElectionSafety, ViolationKinds.StateMachineSafety, ViolationKinds.LostAcknowledgedWrite, ViolationKinds.Linearizability })]
    public void Broken_toy_is_caught_within_a_few_seeds(ToyFlaw flaw, string[] kinds)
    {
        var summary = Verifier.Run(new ToyRaftStrategy(flaw), new VerifyOptions { Seeds = 300, StopAtFirstViolation = true });
        Assert.False(summary.Clean);
        Assert.True(summary.FirstViolatingSeed < 300);
        Assert.Contains(summary.Violations[0].Kind, kinds);
        Assert.Equal(summary.FirstViolatingSeed, summary.Violations[0].Seed);
    }

    [Fact]
    public void Stale_reads_are_caught_by_linearizability_alone_without_node_faults()
    {
        // Only partitions: nothing crashes, so the invariants stay quiet and the checker must find the stale read.
        var options = new VerifyOptions { Seeds = 100, StopAtFirstViolation = true, Simulation = new SimulationOptions { Faults = SimFaults.Partition } };
        var summary = Verifier.Run(new ToyRaftStrategy(ToyFlaw.LocalReads), options);
        Assert.Equal(ViolationKinds.Linearizability, summary.Violations[0].Kind);
        Assert.Contains("not linearizable", summary.Violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsynced_log_is_caught_only_when_crashes_lose_unsynced_writes()
    {
        var withoutCrashes = Verifier.Run(new ToyRaftStrategy(ToyFlaw.NoSync),
            new VerifyOptions { Seeds = 5, Simulation = new SimulationOptions { Faults = SimFaults.Partition | SimFaults.Drop } });
        Assert.True(withoutCrashes.Clean);
        var withCrashes = Verifier.Run(new ToyRaftStrategy(ToyFlaw.NoSync),
            new VerifyOptions { Seeds = 50, StopAtFirstViolation = true, Simulation = new SimulationOptions { Faults = SimFaults.Crash } });
        Assert.False(withCrashes.Clean);
    }

    [Fact]
    public void A_seed_replays_to_the_same_trace_hash_and_a_trace_file_is_written()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"verify-trace-{Guid.NewGuid():N}.txt");
        var history = Path.ChangeExtension(trace, ".jsonl");
        try
        {
            var options = new VerifyOptions { FirstSeed = 11, Seeds = 1, TraceFile = trace, HistoryFile = history };
            var a = Verifier.Run(new ToyRaftStrategy(), options);
            var b = Verifier.Run(new ToyRaftStrategy(), options with { TraceFile = null, HistoryFile = null });
            Assert.Equal(a.TraceHashes, b.TraceHashes);
            Assert.True(new FileInfo(trace).Length > 1000);
            Assert.Contains("\"type\":\"invoke\"", File.ReadAllText(history), StringComparison.Ordinal);
            var other = Verifier.Run(new ToyRaftStrategy(), options with { FirstSeed = 12, TraceFile = null, HistoryFile = null });
            Assert.NotEqual(a.TraceHashes[0], other.TraceHashes[0]);
        }
        finally
        {
            File.Delete(trace);
            File.Delete(history);
        }
    }

    [Fact]
    public void Progress_is_reported_per_seed()
    {
        var seen = new List<VerifyProgress>();
        Verifier.Run(new ToyRaftStrategy(), new VerifyOptions { Seeds = 3, Progress = seen.Add, Simulation = new SimulationOptions { SafetyDuration = TimeSpan.FromSeconds(1) } });
        Assert.Equal([1, 2, 3], seen.Select(p => p.Done));
        Assert.All(seen, p => Assert.Equal(3, p.Total));
    }

    [Fact]
    public void A_seed_without_a_verdict_is_unchecked_and_not_clean()
    {
        var options = new VerifyOptions { Seeds = 2, CheckMaxSteps = 1 };
        var summary = Verifier.Run(new ToyRaftStrategy(), options);
        Assert.Equal(2, summary.UncheckedSeeds);
        Assert.False(summary.Clean);
        Assert.All(summary.Violations, v => Assert.Equal(ViolationKinds.Unchecked, v.Kind));
        Assert.Equal([1L, 2L], summary.Violations.Select(v => v.Seed));
        Assert.Contains("no linearizability verdict within the check budget: step budget of 1 steps exhausted", summary.Violations[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none,all", "'none' contradicts 'all'")]
    [InlineData("crash,none", "'none' contradicts 'crash'")]
    [InlineData("partition,meteor", "unknown fault 'meteor'")]
    [InlineData(" ", "no fault named")]
    public void Fault_lists_that_contradict_or_name_no_fault_are_rejected(string text, string reason)
    {
        Assert.False(SimFaultNames.TryParse(text, out var faults, out var error));
        Assert.Equal(SimFaults.None, faults);
        Assert.StartsWith(reason, error, StringComparison.Ordinal);
        Assert.Contains("all, none, or a comma-separated list of partition, crash, drop, duplicate, reorder, clock, disk, pause, transfer, membership", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("all", SimFaults.All)]
    [InlineData("partition,crash", SimFaults.Partition | SimFaults.Crash)]
    [InlineData("Drop duplicate", SimFaults.Drop | SimFaults.Duplicate)]
    [InlineData("none", SimFaults.None)]
    public void Fault_names_parse(string text, SimFaults expected)
    {
        Assert.True(SimFaultNames.TryParse(text, out var faults, out _));
        Assert.Equal(expected, faults);
        Assert.False(SimFaultNames.TryParse("partition,meteor", out _, out var error));
        Assert.Contains("meteor", error, StringComparison.Ordinal);
        Assert.Equal("partition,crash", SimFaultNames.Format(SimFaults.Partition | SimFaults.Crash));
    }
}
