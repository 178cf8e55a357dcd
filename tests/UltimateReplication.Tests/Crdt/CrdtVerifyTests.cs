using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using UltimateReplication.Crdt;
using UltimateReplication.Tests.MultiMaster;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.Crdt;

/// <summary>crdt (the default crdt/lww-register under the key-value workload) attacked with every fault: convergence and no lost acknowledged write; the broken variant caught.</summary>
public sealed class CrdtVerifyTests
{
    [Theory]
    [InlineData(3, 1, 20, null)]
    [InlineData(5, 101, 10, null)]
    [InlineData(3, 201, 20, "0")]
    [InlineData(5, 301, 10, "0")]
    public void Replicas_converge_and_keep_every_acknowledged_write(int nodes, long firstSeed, int seeds, string? antiEntropy)
    {
        var summary = Verifier.Run(new CrdtStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions
            {
                Nodes = nodes,
                StrategyOptions = antiEntropy is null ? SyncQuorumVerifyTests.Options() : SyncQuorumVerifyTests.Options(("antiEntropyIntervalTicks", antiEntropy)),
                Strategies = ConflictStrategies.Instance,
            },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > seeds * 100, $"the workload does real work: {summary.Operations}");
    }

    [Fact]
    internal void A_broken_variant_is_caught()
    {
        // A small buffer, so neighbours fall behind it, and no background anti-entropy to mend the gaps.
        var summary = Verifier.Run(new CrdtStrategy(CrdtFlaw.NoFallback), new VerifyOptions
        {
            Seeds = 60,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions
            {
                Nodes = 3,
                StrategyOptions = SyncQuorumVerifyTests.Options(("maxDeltas", "2"), ("antiEntropyIntervalTicks", "0")),
                Strategies = ConflictStrategies.Instance,
            },
        });

        Assert.False(summary.Clean, $"NoFallback went unnoticed over {summary.SeedsRun} seeds");
        Assert.Contains(summary.Violations[0].Kind, new[] { ViolationKinds.Convergence, ViolationKinds.LostAcknowledgedWrite });
    }
}
