using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;

namespace Kernel.Sdk.Testing.Tests.Verification;

/// <summary>Proof that the verifier bites on replication strategies too: the correct toys pass, the broken ones are caught.</summary>
public sealed class ReplicationVerifierTests
{
    [Fact]
    public void Correct_lww_toy_converges_and_keeps_acknowledged_writes_over_30_seeds_with_every_fault()
    {
        var summary = Verifier.Run(new ToyLwwStrategy(), new VerifyOptions { Seeds = 30 });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(30, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > 30 * 100, "the workload does real work");
        Assert.True(summary.Operations.Info > 0, "faults make some outcomes unknown");
    }

    [Fact]
    public void Correct_primary_backup_toy_is_linearizable_over_20_seeds_with_every_fault()
    {
        var summary = Verifier.Run(new ToyPrimaryBackupStrategy(), new VerifyOptions { Seeds = 20 });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Operations.Ok > 20 * 100, "the workload does real work");
    }

    [Theory]
    [InlineData(LwwFlaw.NoAntiEntropy, ViolationKinds.Convergence)]
    [InlineData(LwwFlaw.AckBeforePersist, ViolationKinds.LostAcknowledgedWrite)]
    public void Broken_lww_toy_is_caught_within_a_few_dozen_seeds(LwwFlaw flaw, string kind)
    {
        var summary = Verifier.Run(new ToyLwwStrategy(flaw), new VerifyOptions { Seeds = 40, StopAtFirstViolation = true });
        Assert.False(summary.Clean);
        Assert.Equal(kind, summary.Violations[0].Kind);
    }

    [Fact]
    public void Linearizable_claim_with_reads_from_backups_is_caught_by_linearizability()
    {
        var summary = Verifier.Run(new ToyPrimaryBackupStrategy(localReads: true), new VerifyOptions { Seeds = 40, StopAtFirstViolation = true });
        Assert.False(summary.Clean);
        Assert.Equal(ViolationKinds.Linearizability, summary.Violations[0].Kind);
        Assert.Contains("not linearizable", summary.Violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_categories_cannot_be_verified()
    {
        Assert.False(Verifier.CanVerify(new NotSimulated()));
        Assert.Throws<ArgumentException>(() => Verifier.Run(new NotSimulated(), new VerifyOptions { Seeds = 1 }));
    }

    private sealed class NotSimulated : IStrategy
    {
        public StrategyCategory Category => StrategyCategory.Conflict;

        public string Name => "not-simulated";

        public string Description => "a strategy with no cluster";

        public IReadOnlyList<string> ValidateOptions(Microsoft.Extensions.Configuration.IConfiguration options) => [];
    }
}
