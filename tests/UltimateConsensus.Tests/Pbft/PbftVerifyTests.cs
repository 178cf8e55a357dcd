using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using UltimateConsensus.Pbft;
using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Pbft;

/// <summary>
/// PBFT under the verifier at CI size: every crash-recovery fault of the simulator plus f Byzantine replicas (Twins
/// copies, equivocation, replay, silence, delays at the timeouts' edge, corrupted bytes, forged senders, lying to
/// clients), n = 4 and n = 7, each history checked for linearizability and every invariant on the honest replicas.
/// </summary>
public sealed class PbftVerifyTests(ITestOutputHelper output)
{
    internal static VerifySummary Verify(PbftStrategy strategy, int nodes, int byzantine, string faults, long firstSeed, int seeds,
        bool stopAtFirst = false, int? replyQuorum = null, ByzantineBehaviors behaviors = ByzantineBehaviors.All, double safetySeconds = 5)
    {
        Assert.True(SimFaultNames.TryParse(faults, out var parsed, out var error), error);
        return Verifier.Run(strategy, new VerifyOptions
        {
            FirstSeed = firstSeed,
            Seeds = seeds,
            StopAtFirstViolation = stopAtFirst,
            Simulation = new SimulationOptions
            {
                Nodes = nodes,
                Faults = parsed,
                Byzantine = byzantine,
                ByzantineBehaviors = behaviors,
                ClientReplyQuorum = replyQuorum,
                SafetyDuration = TimeSpan.FromSeconds(safetySeconds),
            },
        });
    }

    internal static string Describe(VerifySummary summary) =>
        string.Join(Environment.NewLine, summary.Violations.Select(v => $"seed {v.Seed} {v.Kind}: {v.Message} [{summary.Plans.GetValueOrDefault(v.Seed)}]"));

    [Theory]
    [InlineData(4, 0, "none", 1, 5)]
    [InlineData(4, 0, "all", 101, 20)]
    [InlineData(4, 1, "none", 201, 20)]
    [InlineData(4, 1, "all", 301, 30)]
    [InlineData(7, 2, "all", 401, 20)]
    [InlineData(7, 2, "partition,crash,disk,drop,duplicate,reorder", 501, 10)]
    public void Pbft_is_safe_and_live_with_f_byzantine_replicas(int nodes, int byzantine, string faults, long firstSeed, int seeds)
    {
        var summary = Verify(new PbftStrategy(), nodes, byzantine, faults, firstSeed, seeds);
        output.WriteLine($"{seeds} seeds from {firstSeed}: ok {summary.Operations.Ok} fail {summary.Operations.Fail} info {summary.Operations.Info}, {summary.WallTime.TotalSeconds:F1}s");
        Assert.True(summary.Clean, Describe(summary));
        Assert.Equal(seeds, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > seeds * 20, $"only {summary.Operations.Ok} operations succeeded");
    }

    /// <summary>
    /// Seeds of `kernel verify --faults all` (10 simulated seconds, no Byzantine replica) where an honest replica that
    /// fell behind caught up one fetch reply (maxFetchEntries = 2: one batch) per retransmission: it never reached the
    /// others (lost-acknowledged-write after the liveness phase), or, as the behind replica whose fetches kept resetting
    /// its view timer, never helped the others out of a split of views (liveness, seeds 97 at n=4 and n=5).
    /// </summary>
    [Theory]
    [InlineData(4, 97)]
    [InlineData(4, 141)]
    [InlineData(4, 334)]
    [InlineData(4, 974)]
    [InlineData(5, 97)]
    [InlineData(7, 247)]
    public void A_replica_that_fell_far_behind_catches_up_once_faults_heal(int nodes, long seed)
    {
        var summary = Verify(new PbftStrategy(), nodes, 0, "all", seed, 1, safetySeconds: 10);
        Assert.True(summary.Clean, Describe(summary));
        Assert.Equal(1, summary.SeedsRun);
    }
}
