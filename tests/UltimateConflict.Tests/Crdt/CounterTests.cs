using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Counters;

namespace UltimateConflict.Tests.Crdt;

public sealed class GCounterTests : CrdtProperties
{
    protected override ICrdtType Type { get; } = TestTypes.Create("g-counter");

    protected override string RandomOperation(Random random) => random.Next(3) == 0 ? "inc" : $"inc {random.Next(1, 5)}";

    protected override string? Spec(IReadOnlyList<Event> events) =>
        events.Sum(e => e.Operation == "inc" ? 1 : long.Parse(Argument(e), System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Property(MaxTest = 200)]
    public bool Pruning_keeps_the_value_and_an_older_state_brings_nothing_back(int seed) =>
        CounterPruning.Holds(Type, Reach(seed), s => CrdtType<GCounter, GCounter>.Decode<GCounter>(s).Counts);

    [Fact]
    public void Each_increment_counts_once_whatever_the_exchanges()
    {
        var a = Type.Update(Type.Empty(), new NodeId(1), "inc 3");
        var b = Type.Update(Type.Empty(), new NodeId(2), "inc 4");
        var merged = Type.Merge(Type.MergeDelta(Type.MergeDelta(a.State, b.Delta), b.Delta), a.State);
        Assert.Equal("7", Type.Read(merged));
    }

    [Fact]
    public void A_pruned_replica_that_goes_on_counts_only_its_new_increments()
    {
        var one = Type.Update(Type.Empty(), new NodeId(1), "inc 5").State;
        var pruned = Type.Update(Type.Merge(Type.Empty(), one), new NodeId(2), "prune 1").State;
        var later = Type.Update(one, new NodeId(1), "inc 2").State;
        Assert.Equal("5", Type.Read(pruned));
        Assert.Equal("7", Type.Read(Type.Merge(pruned, later)));
        Assert.Equal("7", Type.Read(Type.Merge(later, pruned)));
    }

    [Fact]
    public void Pruning_can_be_switched_off_and_the_error_names_the_operations()
    {
        var type = TestTypes.Create("g-counter", ("pruning", "false"));
        var error = Assert.Throws<FormatException>(() => type.Update(type.Empty(), new NodeId(1), "prune 2"));
        Assert.Contains("operations: inc, inc N (N a positive integer).", error.Message, StringComparison.Ordinal);
    }
}

public sealed class PnCounterTests : CrdtProperties
{
    protected override ICrdtType Type { get; } = TestTypes.Create("pn-counter");

    protected override string RandomOperation(Random random) => (random.Next(2) == 0 ? "inc" : "dec") + (random.Next(3) == 0 ? string.Empty : $" {random.Next(1, 5)}");

    protected override string? Spec(IReadOnlyList<Event> events) => events.Sum(e =>
    {
        var amount = e.Operation.Length > 3 ? long.Parse(Argument(e), System.Globalization.CultureInfo.InvariantCulture) : 1;
        return e.Operation.StartsWith("inc", StringComparison.Ordinal) ? amount : -amount;
    }).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Property(MaxTest = 200)]
    public bool Pruning_keeps_the_value_and_an_older_state_brings_nothing_back(int seed) =>
        CounterPruning.Holds(Type, Reach(seed), s =>
        {
            var counter = CrdtType<PnCounter, PnCounter>.Decode<PnCounter>(s);
            return counter.Increments.Counts.Merge(counter.Decrements.Counts);
        });

    [Fact]
    public void It_goes_below_zero()
    {
        var state = Type.Update(Type.Update(Type.Empty(), new NodeId(1), "inc 2").State, new NodeId(2), "dec 5").State;
        Assert.Equal("-3", Type.Read(state));
    }
}

/// <summary>The pruning property of both counters.</summary>
internal static class CounterPruning
{
    /// <summary>
    /// Replica 2 or 3 prunes replica 1 from the merge of a random history: the value stays; the removed replica's entry is
    /// gone; merging every state of the history back (each still with replica 1's entry) changes not a byte.
    /// </summary>
    public static bool Holds(ICrdtType type, (Random Random, List<byte[]> Pool) reached, Func<byte[], VersionVector> counts)
    {
        var (random, pool) = reached;
        var all = pool.Aggregate(type.Empty(), (x, y) => type.Merge(x, y));
        var into = new NodeId(random.Next(2, 4));
        var pruned = type.Update(all, into, "prune 1");
        var after = pool.Aggregate(pruned.State, (x, y) => type.Merge(x, y));
        var viaDelta = type.MergeDelta(all, pruned.Delta);
        return type.Read(pruned.State) == type.Read(all)
            && counts(pruned.State)[new NodeId(1)] == 0
            && after.AsSpan().SequenceEqual(pruned.State)
            && viaDelta.AsSpan().SequenceEqual(pruned.State)
            && type.Read(pool.Aggregate(type.Merge(pool[0], pruned.State), (x, y) => type.Merge(x, y))) == type.Read(all);
    }
}
