using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using UltimateReplication.RealTime;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.RealTime;

/// <summary>real-time attacked with every fault: convergence and no lost acknowledged write, with and without background anti-entropy; the broken variant caught.</summary>
public sealed class RealTimeVerifyTests
{
    [Theory]
    [InlineData(3, 1, 20, null)]
    [InlineData(5, 101, 10, null)]
    [InlineData(3, 201, 20, "0")]
    [InlineData(5, 301, 10, "0")]
    public void Replicas_converge_and_keep_every_acknowledged_write(int nodes, long firstSeed, int seeds, string? antiEntropy)
    {
        var summary = Verifier.Run(new RealTimeStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions
            {
                Nodes = nodes,
                StrategyOptions = antiEntropy is null ? SyncQuorumVerifyTests.Options() : SyncQuorumVerifyTests.Options(("antiEntropyIntervalTicks", antiEntropy)),
            },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > seeds * 100, $"the workload does real work: {summary.Operations}");

        // The lag distribution the budget is stated in: measured on every push acknowledged, every seed and restart.
        var lag = summary.Measurements["push-lag-ticks"];
        Assert.True(lag.Count > seeds * 100, $"pushes are measured: {lag.Count} over {seeds} seeds");
        Assert.InRange(lag.Percentile(0.5), 1, lag.Percentile(0.99));
        Assert.True(lag.Max <= new RealTimeOptions().LagBudgetTicks, $"a push acknowledged after the budget is not a lag measured: max {lag.Max}");
    }

    [Fact]
    internal void A_broken_variant_is_caught()
    {
        // Background anti-entropy off, so only the catch-up could bring the dropped writes (the variant has none).
        var summary = Verifier.Run(new RealTimeStrategy(RealTimeFlaw.DropOverBudget), new VerifyOptions
        {
            Seeds = 60,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3, StrategyOptions = SyncQuorumVerifyTests.Options(("antiEntropyIntervalTicks", "0")) },
        });

        Assert.False(summary.Clean, $"DropOverBudget went unnoticed over {summary.SeedsRun} seeds");
        Assert.Contains(summary.Violations[0].Kind, new[] { ViolationKinds.Convergence, ViolationKinds.LostAcknowledgedWrite });
    }
}
