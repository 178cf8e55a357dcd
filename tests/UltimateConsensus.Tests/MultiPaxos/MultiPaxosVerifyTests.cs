using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;

using UltimateConsensus.MultiPaxos;

using Xunit.Abstractions;

namespace UltimateConsensus.Tests.MultiPaxos;

/// <summary>
/// Multi-Paxos under <c>verify</c> at CI size: a simulated cluster under every fault, each history checked for
/// linearizability and the simulator's invariants (one leader per ballot, one value applied per slot, applied prefix
/// durable) asserted throughout. The large campaigns (5 nodes 1,000 seeds; 3 and 7 nodes 300) are <c>kernel verify</c> by
/// hand. Then each deliberately broken variant, which verify must catch.
/// </summary>
public sealed class MultiPaxosVerifyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3, "all", 1, 30)]
    [InlineData(5, "all", 1001, 30)]
    public void MultiPaxos_survives_every_fault_over_many_seeds(int nodes, string faults, long firstSeed, int seeds)
    {
        Assert.True(SimFaultNames.TryParse(faults, out var parsed, out var error), error);
        var summary = Verifier.Run(new MultiPaxosStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions { Nodes = nodes, Faults = parsed, SafetyDuration = TimeSpan.FromSeconds(10) },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Select(v => $"seed {v.Seed} {v.Kind}: {v.Message}")));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Operations.Ok > seeds * 100, $"only {summary.Operations.Ok} operations succeeded");
        Assert.True(summary.Operations.Info > 0, "crashes should leave some outcomes unknown");
    }

    [Theory]
    [InlineData(nameof(PaxosFault.PromiseBeforePersist), 3, "crash,partition,drop", 200)]
    [InlineData(nameof(PaxosFault.SkipPhase1), 3, "all", 20)]
    [InlineData(nameof(PaxosFault.AcceptLowerBallot), 3, "all", 50)]
    public void Verify_catches_a_broken_variant(string variant, int nodes, string faults, int maxSeeds)
    {
        var fault = Enum.Parse<PaxosFault>(variant);
        Assert.True(SimFaultNames.TryParse(faults, out var parsed, out var error), error);
        var summary = Verifier.Run(new MultiPaxosStrategy(fault), new VerifyOptions
        {
            FirstSeed = 1,
            Seeds = maxSeeds,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = nodes, Faults = parsed, SafetyDuration = TimeSpan.FromSeconds(10) },
        });

        Assert.False(summary.Clean, $"{fault}: no violation in {summary.SeedsRun} seeds");
        var first = summary.Violations[0];
        output.WriteLine($"{fault}: first violation at seed {first.Seed} after {summary.SeedsRun} seeds: {first.Kind}: {first.Message}");
    }
}
