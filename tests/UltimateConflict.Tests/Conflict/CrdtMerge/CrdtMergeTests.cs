using Kernel.Sdk.Strategies;
using UltimateConflict.Conflict.CrdtMerge;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict.CrdtMerge;

public sealed class CrdtMergeTests
{
    private static readonly TestStrategies Strategies = new TestStrategies().AddCrdt("g-counter", new TestGCounterType());

    private static Kernel.Sdk.Conflict.VersionedValue Counter(int replica, long timestamp, params (int, long)[] counts) =>
        V(replica, timestamp, string.Empty, (replica, timestamp)) with { Value = TestGCounter.Of(counts).ToBytes() };

    [Fact]
    public void Merges_the_values_as_states_of_the_named_type()
    {
        var resolver = Strategies.Create(new CrdtMergeStrategy(), ("type", "crdt/g-counter"));
        var resolution = resolver.Resolve(Of(Counter(1, 4, (1, 2), (2, 1)), Counter(2, 6, (2, 3)), Counter(3, 5, (1, 1), (3, 1))));
        var merged = resolution.Resolved!;
        Assert.Equal(TestGCounter.Of((1, 2), (2, 3), (3, 1)).ToBytes(), merged.Value.ToArray());
        Assert.Equal(6, merged.Timestamp);
        Assert.Equal(new Kernel.Sdk.Cluster.NodeId(2), merged.Replica);
        Assert.Equal(Clock((1, 4), (2, 6), (3, 5)), merged.Clock);
        Assert.Contains("(read: 6)", resolution.Explanation, StringComparison.Ordinal);
        Assert.Contains("crdt/g-counter", Strategies.Resolved);
    }

    [Fact]
    public void A_malformed_value_fails_naming_the_key_or_is_skipped_and_recorded()
    {
        var good = Counter(1, 1, (1, 1));
        var bad = V(2, 2, "not a counter");
        var failing = Strategies.Create(new CrdtMergeStrategy(), ("type", "crdt/g-counter"));
        var error = Assert.Throws<InvalidDataException>(() => failing.Resolve(Of(good, bad)));
        Assert.Contains("key 'k'", error.Message, StringComparison.Ordinal);
        Assert.Contains("n2@2", error.Message, StringComparison.Ordinal);

        var skipping = Strategies.Create(new CrdtMergeStrategy(), ("type", "g-counter"), ("malformed", "skip"));
        var resolution = skipping.Resolve(Of(good, bad));
        Assert.Equal(good.Value.ToArray(), resolution.Resolved!.Value.ToArray());
        Assert.Contains("skipped 1 malformed: n2@2 {} \"not a counter\"", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void The_type_is_a_declared_reference()
    {
        var references = new CrdtMergeStrategy().GetReferences(TestStrategies.Options(("type", "crdt/g-counter")));
        Assert.Equal(new StrategyReference("type", StrategyCategory.Crdt, "g-counter"), Assert.Single(references));
        Assert.Throws<StrategyResolutionException>(() => Strategies.Create(new CrdtMergeStrategy(), ("type", "crdt/nothing")));
    }
}
