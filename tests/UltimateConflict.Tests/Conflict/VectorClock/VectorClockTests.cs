using FsCheck.Xunit;
using Kernel.Sdk.Crdt;
using UltimateConflict.Conflict;
using UltimateConflict.Conflict.VectorClock;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict.VectorClock;

public sealed class VectorClockTests
{
    private static readonly TestStrategies Strategies = new();

    private static VectorClockResolver Resolver(params (string, string)[] options) =>
        (VectorClockResolver)Strategies.Create(new VectorClockStrategy(), options);

    [Property(MaxTest = 500)]
    public bool Keeps_exactly_the_maximal_antichain(int seed)
    {
        var versions = Random(new Random(seed));
        var kept = Resolver().Resolve(Of(versions)).Kept;

        // The maximal clocks, computed by brute force: those no other clock strictly dominates.
        var clocks = versions.Select(v => v.Clock).Distinct().ToArray();
        var maximal = clocks.Where(c => !clocks.Any(d => d.Compare(c) == VersionOrder.After)).ToHashSet();
        var keptClocks = kept.Select(v => v.Clock).ToArray();
        return keptClocks.Length == maximal.Count
            && keptClocks.All(maximal.Contains)
            && keptClocks.All(a => keptClocks.All(b => ReferenceEquals(a, b) || a.Compare(b) == VersionOrder.Concurrent))
            && kept.All(k => versions.Any(v => Versions.SameContent(v, k)));
    }

    [Fact]
    public void A_dominated_version_is_superseded_and_concurrent_ones_are_siblings()
    {
        var old = V(1, 1, "old", (1, 1));
        var left = V(1, 2, "left", (1, 2));
        var right = V(2, 2, "right", (1, 1), (2, 1));
        var resolution = Resolver().Resolve(Of(right, old, left));
        Assert.True(resolution.HasSiblings);
        Assert.Equal(["left", "right"], resolution.Kept.Select(v => System.Text.Encoding.UTF8.GetString(v.Value.Span)));
        Assert.Contains("superseded (causally dominated) 1: n1@1 {n1:1} \"old\"", resolution.Explanation, StringComparison.Ordinal);

        var newer = V(2, 3, "newer", (1, 2), (2, 1));
        Assert.Equal("newer", System.Text.Encoding.UTF8.GetString(Resolver().Resolve(Of(left, newer, right)).Resolved!.Value.Span));
    }

    [Fact]
    public void Equal_clocks_are_one_version_the_latest_kept()
    {
        var a = V(1, 4, "a", (1, 3));
        var b = V(1, 5, "b", (1, 3));
        var resolution = Resolver().Resolve(Of(a, b, a));
        Assert.Equal("b", System.Text.Encoding.UTF8.GetString(resolution.Resolved!.Value.Span));
        Assert.Contains("duplicate clock (a later version has the same clock) 1: n1@4 {n1:3} \"a\"", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_siblings_keeps_the_latest_and_records_the_rest()
    {
        var versions = new[] { V(1, 1, "a", (1, 1)), V(2, 3, "b", (2, 1)), V(3, 2, "c", (3, 1)) };
        var resolution = Resolver(("maxSiblings", "2")).Resolve(Of(versions));
        Assert.Equal(["b", "c"], resolution.Kept.Select(v => System.Text.Encoding.UTF8.GetString(v.Value.Span)));
        Assert.Contains("dropped over maxSiblings 2 1: n1@1 {n1:1} \"a\"", resolution.Explanation, StringComparison.Ordinal);
    }
}
