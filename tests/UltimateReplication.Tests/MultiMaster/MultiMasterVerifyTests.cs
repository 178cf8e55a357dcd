using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using UltimateReplication.MultiMaster;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.MultiMaster;

/// <summary>multi-master attacked with every fault: convergence and no lost acknowledged write, with each resolver; broken variants caught.</summary>
public sealed class MultiMasterVerifyTests
{
    [Theory]
    [InlineData(3, 1, 20, null)]
    [InlineData(5, 101, 10, null)]
    [InlineData(3, 201, 20, "conflict/last-writer-wins")]
    [InlineData(3, 301, 20, "conflict/vector-clock")]
    [InlineData(5, 401, 10, "conflict/vector-clock")]
    public void Replicas_converge_and_keep_every_acknowledged_write(int nodes, long firstSeed, int seeds, string? resolver)
    {
        var summary = Verifier.Run(new MultiMasterStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions
            {
                Nodes = nodes,
                StrategyOptions = resolver is null ? SyncQuorumVerifyTests.Options() : SyncQuorumVerifyTests.Options(("resolver", resolver)),
                Strategies = ConflictStrategies.Instance,
            },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > seeds * 100, $"the workload does real work: {summary.Operations}");
    }

    [Theory]
    [InlineData(MultiMasterFlaw.ArrivalOrder, ViolationKinds.Convergence)]
    [InlineData(MultiMasterFlaw.AckBeforePersist, ViolationKinds.LostAcknowledgedWrite)]
    internal void A_broken_variant_is_caught(MultiMasterFlaw flaw, string kind)
    {
        var summary = Verifier.Run(new MultiMasterStrategy(flaw), new VerifyOptions
        {
            Seeds = 60,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3 },
        });

        Assert.False(summary.Clean, $"{flaw} went unnoticed over {summary.SeedsRun} seeds");
        Assert.Equal(kind, summary.Violations[0].Kind);
    }
}
