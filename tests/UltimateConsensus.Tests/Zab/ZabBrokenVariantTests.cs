using UltimateConsensus.Zab;

using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Zab;

/// <summary>
/// Three deliberately broken variants of ZAB (<see cref="ZabBreak"/>), each caught by the verifier with the
/// primary-order checks, and by the plain verifier (linearizability and the simulator's own invariants) too: the test
/// fails if a variant survives its seeds. The seed of the first violation is printed.
/// </summary>
public sealed class ZabBrokenVariantTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("CommitBeforeNewLeaderQuorum", 5, 1, 100, true)]
    [InlineData("FollowerKeepsStaleProposals", 5, 1, 100, true)]
    [InlineData("EpochNotGreater", 5, 1, 100, true)]
    [InlineData("CommitBeforeNewLeaderQuorum", 5, 1, 100, false)]
    [InlineData("FollowerKeepsStaleProposals", 5, 1, 100, false)]
    [InlineData("EpochNotGreater", 5, 1, 100, false)]
    public void A_broken_variant_is_caught(string variant, int nodes, long firstSeed, int seeds, bool primaryOrder)
    {
        var broken = Enum.Parse<ZabBreak>(variant);
        var summary = ZabVerifyTests.Verify(new ZabStrategy(broken), nodes, "all", firstSeed, seeds, stopAtFirst: true, primaryOrder);

        Assert.False(summary.Clean, $"{broken} survived {summary.SeedsRun} seeds from {firstSeed} on {nodes} nodes");
        var first = summary.Violations.MinBy(v => v.Seed)!;
        output.WriteLine($"{broken} (primary-order checks {(primaryOrder ? "on" : "off")}): first violation at seed {first.Seed} ({first.Seed - firstSeed + 1} seeds run): {first.Kind}: {first.Message}");
    }
}
