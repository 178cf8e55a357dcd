using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using UltimateConflict.Conflict.Custom;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict.Custom;

public sealed class CustomTests
{
    private static readonly TestStrategies Strategies = new TestStrategies()
        .Add("first-seen", new FirstSeen())
        .Add("throwing", new Throwing());

    [Fact]
    public void Delegates_in_canonical_order_and_names_the_route()
    {
        var resolver = Strategies.Create(new CustomStrategy(), ("resolver", "conflict/first-seen"));
        var resolution = resolver.Resolve(Of(V(3, 1, "c"), V(1, 1, "a"), V(3, 1, "c")));
        Assert.Equal(new Kernel.Sdk.Cluster.NodeId(1), resolution.Resolved!.Replica);
        Assert.Equal("conflict/custom via conflict/first-seen: first of 2", resolution.Explanation);

        var asGiven = Strategies.Create(new CustomStrategy(), ("resolver", "first-seen"), ("order", "as-given"));
        Assert.Equal("conflict/custom via conflict/first-seen: first of 3", asGiven.Resolve(Of(V(3, 1, "c"), V(1, 1, "a"), V(3, 1, "c"))).Explanation);
    }

    [Fact]
    public void A_failing_resolver_goes_to_the_fallback_or_is_reported()
    {
        var withFallback = Strategies.Create(new CustomStrategy(), ("resolver", "conflict/throwing"), ("fallback", "conflict/last-writer-wins"));
        var resolution = withFallback.Resolve(Of(V(1, 1, "a"), V(2, 2, "b")));
        Assert.Equal(new Kernel.Sdk.Cluster.NodeId(2), resolution.Resolved!.Replica);
        Assert.StartsWith("conflict/custom: conflict/throwing failed (InvalidDataException: no); fell back to conflict/last-writer-wins: ", resolution.Explanation, StringComparison.Ordinal);

        var without = Strategies.Create(new CustomStrategy(), ("resolver", "conflict/throwing"));
        var error = Assert.Throws<InvalidOperationException>(() => without.Resolve(Of(V(1, 1, "a"))));
        Assert.Equal("conflict/custom: resolver conflict/throwing failed on key 'k': no", error.Message);
    }

    [Fact]
    public void The_resolver_and_fallback_are_declared_references()
    {
        var references = new CustomStrategy().GetReferences(TestStrategies.Options(("resolver", "conflict/mine"), ("fallback", "vector-clock")));
        Assert.Equal(["conflict/mine", "conflict/vector-clock"], references.Select(r => r.Key));
        Assert.Equal(["resolver", "fallback"], references.Select(r => r.Option));
        Assert.Throws<StrategyResolutionException>(() => Strategies.Create(new CustomStrategy(), ("resolver", "conflict/nothing")));
    }

    private sealed class FirstSeen : IConflictResolver
    {
        public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict) => Resolution.Winner(conflict.Versions[0], $"first of {conflict.Versions.Count}");
    }

    private sealed class Throwing : IConflictResolver
    {
        public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict) => throw new InvalidDataException("no");
    }
}
