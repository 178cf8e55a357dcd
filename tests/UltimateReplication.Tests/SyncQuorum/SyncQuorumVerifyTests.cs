using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;
using UltimateReplication.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.SyncQuorum;

/// <summary>
/// sync-quorum attacked by the simulator with every fault: linearizable reads and puts when W + R exceeds N, and each
/// deliberately broken variant caught.
/// </summary>
public sealed class SyncQuorumVerifyTests
{
    [Theory]
    [InlineData(3, 1, 20)]
    [InlineData(5, 101, 12)]
    public void Reads_and_puts_are_linearizable_under_every_fault(int nodes, long firstSeed, int seeds)
    {
        var summary = Verifier.Run(new SyncQuorumStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions { Nodes = nodes },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Operations.Ok > seeds * 50, $"the workload does real work: {summary.Operations}");
        Assert.True(summary.Operations.Info > 0, "faults make some outcomes unknown");
    }

    [Fact]
    public void Quorums_that_do_not_intersect_lose_what_was_acknowledged()
    {
        // W = R = 1 of 3: allowed (as Cassandra allows ONE/ONE), and verify shows what it costs.
        var summary = Verifier.Run(new SyncQuorumStrategy(), new VerifyOptions
        {
            Seeds = 40,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3, StrategyOptions = Options(("writeQuorum", "1"), ("readQuorum", "1")) },
        });

        Assert.False(summary.Clean);
        Assert.Equal(ViolationKinds.Linearizability, summary.Violations[0].Kind);
    }

    [Theory]
    [InlineData(SyncQuorumFlaw.NoReadRepair)]
    [InlineData(SyncQuorumFlaw.LazyPersist)]
    internal void A_broken_variant_is_caught(SyncQuorumFlaw flaw)
    {
        var summary = Verifier.Run(new SyncQuorumStrategy(flaw), new VerifyOptions
        {
            Seeds = 60,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3 },
        });

        Assert.False(summary.Clean, $"{flaw} went unnoticed over {summary.SeedsRun} seeds");
        Assert.Equal(ViolationKinds.Linearizability, summary.Violations[0].Kind);
    }

    internal static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
