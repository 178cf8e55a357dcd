using Kernel.Sdk.Testing.Simulation;
using UltimateReplication.Crdt;
using UltimateReplication.Tests.MultiMaster;
using UltimateReplication.Tests.SyncQuorum;
using Xunit;
using Xunit.Abstractions;

namespace UltimateReplication.Tests.Crdt;

/// <summary>
/// crdt under the testing kit's Maelstrom-style checks with every fault: a counter converges between the sum of the
/// acknowledged increments and that sum plus the unknown ones, a set holds every acknowledged add; a broken variant each.
/// </summary>
public sealed class CrdtMaelstromTests(ITestOutputHelper output)
{
    private static SimulationOptions Options(long seed, int nodes, params (string Key, string Value)[] options) => new()
    {
        Seed = seed,
        Nodes = nodes,
        StrategyOptions = SyncQuorumVerifyTests.Options(options),
        Strategies = ConflictStrategies.Instance,
    };

    private static List<Violation> Campaign(CrdtStrategy strategy, CrdtWorkload workload, long firstSeed, int seeds, int nodes, bool stopAtFirst, params (string Key, string Value)[] options)
    {
        var violations = new List<Violation>();
        for (var seed = firstSeed; seed < firstSeed + seeds && !(stopAtFirst && violations.Count > 0); seed++)
        {
            var result = CrdtChecks.Run(strategy, Options(seed, nodes, options), workload);
            Assert.True(result.Operations.Ok > 50, $"seed {seed}: the workload does real work: {result.Operations}");
            violations.AddRange(result.Violations);
        }

        return violations;
    }

    [Theory]
    [InlineData("crdt/g-counter", CrdtWorkload.Counter, 3, 1, 20)]
    [InlineData("crdt/pn-counter", CrdtWorkload.Counter, 5, 101, 10)]
    [InlineData("crdt/g-set", CrdtWorkload.Set, 3, 201, 20)]
    [InlineData("crdt/or-set", CrdtWorkload.Set, 5, 301, 10)]
    public void Converged_values_account_for_every_acknowledged_update(string type, CrdtWorkload workload, int nodes, long firstSeed, int seeds)
    {
        var violations = Campaign(new CrdtStrategy(), workload, firstSeed, seeds, nodes, stopAtFirst: false, ("type", type));
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations.Take(3)));
    }

    [Theory]
    [InlineData(CrdtFlaw.NoFallback, "crdt/g-counter", CrdtWorkload.Counter)]
    [InlineData(CrdtFlaw.OverwriteStates, "crdt/g-set", CrdtWorkload.Set)]
    internal void A_broken_variant_is_caught(CrdtFlaw flaw, string type, CrdtWorkload workload)
    {
        var violations = Campaign(new CrdtStrategy(flaw), workload, 1, 60, 3, stopAtFirst: true, ("type", type), ("maxDeltas", "2"), ("antiEntropyIntervalTicks", "0"));
        Assert.True(violations.Count > 0, $"{flaw} went unnoticed over 60 seeds");
        output.WriteLine($"{flaw}: first caught at {violations[0]}");
        Assert.Contains(violations[0].Kind, new[] { ViolationKinds.Convergence, ViolationKinds.LostAcknowledgedWrite });
    }
}
