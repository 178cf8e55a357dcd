using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using UltimateReplication.Delta;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.Delta;

/// <summary>delta attacked with every fault: convergence and no lost acknowledged write, with block deltas on the workload's small values; the broken variant caught.</summary>
public sealed class DeltaVerifyTests
{
    [Theory]
    [InlineData(3, 1, 20, "2048", "8192")]
    [InlineData(3, 101, 20, "2", "0")]
    [InlineData(5, 201, 10, "2", "0")]
    [InlineData(5, 301, 10, "4", "16")]
    public void Replicas_converge_and_keep_every_acknowledged_write(int nodes, long firstSeed, int seeds, string blockBytes, string minDeltaBytes)
    {
        var summary = Verifier.Run(new DeltaStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions
            {
                Nodes = nodes,
                StrategyOptions = SyncQuorumVerifyTests.Options(("blockBytes", blockBytes), ("minDeltaBytes", minDeltaBytes)),
            },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > seeds * 100, $"the workload does real work: {summary.Operations}");
    }

    [Fact]
    internal void A_broken_variant_is_caught()
    {
        var summary = Verifier.Run(new DeltaStrategy(DeltaFlaw.WrongBase), new VerifyOptions
        {
            Seeds = 60,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3, StrategyOptions = SyncQuorumVerifyTests.Options(("blockBytes", "2"), ("minDeltaBytes", "0")) },
        });

        Assert.False(summary.Clean, $"WrongBase went unnoticed over {summary.SeedsRun} seeds");
        Assert.Contains(summary.Violations[0].Kind, new[] { ViolationKinds.Convergence, ViolationKinds.LostAcknowledgedWrite });
    }
}
