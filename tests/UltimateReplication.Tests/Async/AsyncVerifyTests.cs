using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using UltimateReplication.Async;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests.Async;

/// <summary>async replication attacked with every fault: convergence and no lost acknowledged write, under each overflow policy; broken variants caught.</summary>
public sealed class AsyncVerifyTests
{
    [Theory]
    [InlineData(3, 1, 20, "spill", "10000")]
    [InlineData(5, 101, 10, "spill", "10000")]
    [InlineData(3, 201, 15, "spill", "4")]
    [InlineData(3, 301, 15, "reject", "8")]
    [InlineData(3, 401, 15, "block", "8")]
    public void Replicas_converge_and_keep_every_acknowledged_write(int nodes, long firstSeed, int seeds, string overflow, string queue)
    {
        var summary = Verifier.Run(new AsyncStrategy(), new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            Simulation = new SimulationOptions
            {
                Nodes = nodes,
                StrategyOptions = SyncQuorumVerifyTests.Options(("overflow", overflow), ("maxQueueEntries", queue)),
            },
        });

        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > seeds * 100, $"the workload does real work: {summary.Operations}");
    }

    [Theory]
    [InlineData(AsyncFlaw.DropOnOverflow, "4", ViolationKinds.Convergence)]
    [InlineData(AsyncFlaw.AckBeforePersist, "10000", null)]
    internal void A_broken_variant_is_caught(AsyncFlaw flaw, string queue, string? kind)
    {
        var summary = Verifier.Run(new AsyncStrategy(flaw), new VerifyOptions
        {
            Seeds = 60,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3, StrategyOptions = SyncQuorumVerifyTests.Options(("maxQueueEntries", queue)) },
        });

        Assert.False(summary.Clean, $"{flaw} went unnoticed over {summary.SeedsRun} seeds");
        if (kind is not null)
        {
            Assert.Equal(kind, summary.Violations[0].Kind);
        }
    }
}
