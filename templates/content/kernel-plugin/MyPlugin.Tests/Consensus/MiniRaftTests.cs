using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;

namespace MyPlugin.Tests;

public sealed class MiniRaftTests
{
    private readonly MiniRaftStrategy _strategy = new();

    [Fact]
    public void A_five_node_cluster_is_linearizable_and_keeps_its_invariants_under_every_fault()
    {
        // Partitions, crashes (with torn unsynced writes), loss, duplication, reordering, clock drift, pauses,
        // membership changes and leadership transfers (both refused by this protocol): the defaults.
        var summary = Verifier.Run(_strategy, new VerifyOptions { FirstSeed = 1, Seeds = 20 });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(20, summary.SeedsRun);
        Assert.Equal(0, summary.UncheckedSeeds);
        Assert.True(summary.Operations.Ok > 20 * 100, "the workload does real work");
    }

    [Fact]
    public void Other_timings_verify_too()
    {
        var options = Options(("electionTimeoutMinTicks", "6"), ("electionTimeoutMaxTicks", "12"), ("heartbeatIntervalTicks", "2"));
        Assert.Empty(_strategy.ValidateOptions(options));
        var summary = Verifier.Run(_strategy, new VerifyOptions
        {
            FirstSeed = 100,
            Seeds = 2,
            Simulation = new Kernel.Sdk.Testing.Simulation.SimulationOptions { StrategyOptions = options },
        });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Empty(_strategy.ValidateOptions(Options()));
        var errors = _strategy.ValidateOptions(Options(("electionTimeoutMinTicks", "20"), ("electionTimeoutMaxTicks", "10"), ("preVote", "true")));
        Assert.Equal(2, errors.Count);
        Assert.Contains("Option 'preVote' is not known; known options: electionTimeoutMaxTicks, electionTimeoutMinTicks, heartbeatIntervalTicks.", errors);
        Assert.Contains("Option 'electionTimeoutMinTicks' (20) must be less than 'electionTimeoutMaxTicks' (10).", errors);
        Assert.Equal(["Option 'electionTimeoutMinTicks' is 1; allowed range 2..10000."], _strategy.ValidateOptions(Options(("electionTimeoutMinTicks", "1"))));
        Assert.Equal(["Option 'heartbeatIntervalTicks' (10) must be less than 'electionTimeoutMinTicks' (10)."],
            _strategy.ValidateOptions(Options(("heartbeatIntervalTicks", "10"))));
    }

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
