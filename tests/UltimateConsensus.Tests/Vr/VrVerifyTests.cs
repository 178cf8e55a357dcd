using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;

using UltimateConsensus.Vr;

using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Vr;

/// <summary>
/// VR under <c>verify</c> at CI size: every fault, 3 and 5 nodes, each history checked for linearizability and the kit's
/// invariants (one primary per view, the same op at every index on every replica, applied prefixes durable) asserted
/// after every simulated event. The full campaigns (5 nodes 1,000 seeds; 3 and 7 nodes 300) are `kernel verify` by hand.
/// Each deliberately broken variant must be caught.
/// </summary>
public sealed class VrVerifyTests(ITestOutputHelper output)
{
    [Theory]
    // Seed 6 (3 nodes, all faults) was once left out: the checker gave up on its history; it is now decided.
    [InlineData(3, "all", 6, 26)]
    [InlineData(5, "all", 101, 25)]
    [InlineData(5, "partition,crash,disk", 201, 15)]
    [InlineData(3, "drop,duplicate,reorder,clock,pause", 301, 15)]
    public void Vr_survives_the_fault_mix_over_many_seeds(int nodes, string faults, long firstSeed, int seeds)
    {
        Assert.True(SimFaultNames.TryParse(faults, out var parsed, out var error), error);
        var summary = Verifier.Run(new VrStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions { Nodes = nodes, Faults = parsed, SafetyDuration = TimeSpan.FromSeconds(10) },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Select(v => $"seed {v.Seed} {v.Kind}: {v.Message}")));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Operations.Ok > seeds * 100, $"only {summary.Operations.Ok} operations succeeded");
        Assert.True(summary.Operations.Info > 0 || !faults.Contains("crash", StringComparison.Ordinal), "crashes should leave some outcomes unknown");
    }

    [Theory]
    // Seeds of the 2026-12-02 campaigns (every fault) whose histories of 147 and 174 operations, many of them writes of
    // unknown outcome that nobody reads, the checker gave up on after its 20 s (tens of millions of steps).
    [InlineData(5, 176)]
    [InlineData(3, 153)]
    public void Seeds_the_checker_once_left_unchecked_are_decided_within_a_step_budget(int nodes, long seed)
    {
        Assert.True(SimFaultNames.TryParse("all", out var faults, out var error), error);
        var summary = Verifier.Run(new VrStrategy(), new VerifyOptions
        {
            FirstSeed = seed,
            Seeds = 1,
            CheckMaxSteps = 200_000, // they now take at most about 20,000
            CheckBudget = TimeSpan.FromMinutes(10), // the step budget decides, not the machine
            Simulation = new SimulationOptions { Nodes = nodes, Faults = faults, SafetyDuration = TimeSpan.FromSeconds(10) },
        });

        output.WriteLine($"seed {seed}: trace {summary.TraceHashes[0]}, operations ok={summary.Operations.Ok} fail={summary.Operations.Fail} info={summary.Operations.Info}");
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Select(v => $"seed {v.Seed} {v.Kind}: {v.Message}")));
        Assert.True(summary.Operations.Info > 0, "the seed should leave some outcomes unknown");
    }

    [Theory]
    [InlineData(VrFlaw.AckPrepareOfOldView)]
    [InlineData(VrFlaw.ChooseLogByOpOnly)]
    [InlineData(VrFlaw.AckWithoutDurableState)]
    internal void A_broken_variant_is_caught(VrFlaw flaw)
    {
        var summary = Verifier.Run(new VrStrategy(flaw), new VerifyOptions
        {
            FirstSeed = 1,
            Seeds = 200,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3 },
        });

        Assert.False(summary.Clean, $"{flaw} went unnoticed over {summary.SeedsRun} seeds");
        var first = summary.Violations[0];
        output.WriteLine($"{flaw}: caught at seed {first.Seed} ({summary.SeedsRun} seeds run): {first.Kind}: {first.Message}");
        Assert.Contains(first.Kind, new[] { ViolationKinds.Linearizability, ViolationKinds.StateMachineSafety, ViolationKinds.AppliedPrefix, ViolationKinds.LostAcknowledgedWrite });
    }
}
