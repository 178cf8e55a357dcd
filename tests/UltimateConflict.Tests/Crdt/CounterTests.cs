using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Counters;

namespace UltimateConflict.Tests.Crdt;

public sealed class GCounterTests : PrunableCrdtProperties
{
    protected override ICrdtType Type { get; } = TestTypes.Create("g-counter");

    protected override string RandomOperation(Random random) => random.Next(3) == 0 ? "inc" : $"inc {random.Next(1, 5)}";

    protected override string? Spec(IReadOnlyList<Event> events) =>
        events.Sum(e => e.Operation == "inc" ? 1 : long.Parse(Argument(e), System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected override bool HoldsNothingOf(byte[] state, NodeId removed) => CrdtType<GCounter, GCounter>.Decode<GCounter>(state).Counts[removed] == 0;

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
    public void A_count_beyond_64_bits_is_a_format_error_not_an_overflow()
    {
        var max = Type.Update(Type.Empty(), new NodeId(1), "inc 9223372036854775807").State;
        Assert.Throws<FormatException>(() => Type.Update(max, new NodeId(1), "inc"));
        var both = Type.Merge(max, Type.Update(Type.Empty(), new NodeId(2), "inc 2").State);
        Assert.Contains("beyond 64 bits", Assert.Throws<FormatException>(() => Type.Read(both)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pruning_can_be_switched_off_and_the_error_names_the_operations()
    {
        var type = TestTypes.Create("g-counter", ("pruning", "false"));
        var error = Assert.Throws<FormatException>(() => type.Update(type.Empty(), new NodeId(1), "prune 2"));
        Assert.Contains("operations: inc, inc N (N a positive integer).", error.Message, StringComparison.Ordinal);
    }
}

public sealed class PnCounterTests : PrunableCrdtProperties
{
    protected override ICrdtType Type { get; } = TestTypes.Create("pn-counter");

    protected override string RandomOperation(Random random) => (random.Next(2) == 0 ? "inc" : "dec") + (random.Next(3) == 0 ? string.Empty : $" {random.Next(1, 5)}");

    protected override string? Spec(IReadOnlyList<Event> events) => events.Sum(e =>
    {
        var amount = e.Operation.Length > 3 ? long.Parse(Argument(e), System.Globalization.CultureInfo.InvariantCulture) : 1;
        return e.Operation.StartsWith("inc", StringComparison.Ordinal) ? amount : -amount;
    }).ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected override bool HoldsNothingOf(byte[] state, NodeId removed)
    {
        var counter = CrdtType<PnCounter, PnCounter>.Decode<PnCounter>(state);
        return counter.Increments.Counts[removed] == 0 && counter.Decrements.Counts[removed] == 0;
    }

    [Fact]
    public void It_goes_below_zero()
    {
        var state = Type.Update(Type.Update(Type.Empty(), new NodeId(1), "inc 2").State, new NodeId(2), "dec 5").State;
        Assert.Equal("-3", Type.Read(state));
    }
}
