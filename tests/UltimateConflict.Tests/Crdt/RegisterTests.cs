using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Tests.Crdt;

public sealed class LwwRegisterTests : CrdtProperties
{
    private static readonly string[] Values = ["a", "b", "c"];

    protected override ICrdtType Type { get; } = TestTypes.Create("lww-register");

    // Few distinct times, so equal clocks (and the replica tie-break) are common.
    protected override string RandomOperation(Random random) => $"set {random.Next(0, 6)} {Values[random.Next(Values.Length)]}";

    protected override string? Spec(IReadOnlyList<Event> events) => LwwModel.Winner(events)?.Value ?? string.Empty;

    [Fact]
    public void A_write_after_a_later_clock_still_wins_and_equal_clocks_go_to_the_greater_replica()
    {
        var ahead = Type.Update(Type.Empty(), new NodeId(1), "set 100 ahead").State;
        var behind = Type.Update(ahead, new NodeId(2), "set 5 next").State; // its clock is behind, it saw 'ahead'
        Assert.Equal("next", Type.Read(Type.Merge(ahead, behind)));

        var one = Type.Update(Type.Empty(), new NodeId(1), "set 7 one").State;
        var two = Type.Update(Type.Empty(), new NodeId(2), "set 7 two").State;
        Assert.Equal("two", Type.Read(Type.Merge(one, two)));
        Assert.Equal("two", Type.Read(Type.Merge(two, one)));
    }
}

public sealed class MvRegisterTests : PrunableCrdtProperties
{
    protected override bool HoldsNothingOf(byte[] state, NodeId removed) => CausalPruning.HoldsNothingOf<UltimateConflict.Crdt.Registers.MvStore>(state, removed);

    private static readonly string[] Values = ["a", "b", "c"];

    protected override ICrdtType Type { get; } = TestTypes.Create("mv-register");

    protected override string RandomOperation(Random random) => "set " + Values[random.Next(Values.Length)];

    protected override string? Spec(IReadOnlyList<Event> events) => SetText(Maximal(events).Select(Argument));

    [Fact]
    public void Concurrent_writes_are_all_kept_until_one_overwrites_them()
    {
        var a = Type.Update(Type.Empty(), new NodeId(1), "set a").State;
        var b = Type.Update(Type.Empty(), new NodeId(2), "set b").State;
        var both = Type.Merge(a, b);
        Assert.Equal("[a, b]", Type.Read(both));
        Assert.Equal("[c]", Type.Read(Type.Merge(both, Type.Update(both, new NodeId(1), "set c").State)));
    }
}

public sealed class EnableWinsFlagTests : PrunableCrdtProperties
{
    protected override bool HoldsNothingOf(byte[] state, NodeId removed) => CausalPruning.HoldsNothingOf<UltimateConflict.Crdt.Registers.FlagStore>(state, removed);

    protected override ICrdtType Type { get; } = TestTypes.Create("flag");

    protected override string RandomOperation(Random random) => random.Next(2) == 0 ? "enable" : "disable";

    protected override string? Spec(IReadOnlyList<Event> events) => FlagModel.Read(events, disableWins: false);
}

public sealed class DisableWinsFlagTests : PrunableCrdtProperties
{
    protected override bool HoldsNothingOf(byte[] state, NodeId removed) => CausalPruning.HoldsNothingOf<UltimateConflict.Crdt.Registers.FlagStore>(state, removed);

    protected override ICrdtType Type { get; } = TestTypes.Create("flag", ("wins", "disable"));

    protected override string RandomOperation(Random random) => random.Next(2) == 0 ? "enable" : "disable";

    protected override string? Spec(IReadOnlyList<Event> events) => FlagModel.Read(events, disableWins: true);

    [Fact]
    public void A_concurrent_enable_and_disable_read_as_the_rule_says()
    {
        var enabled = Type.Update(Type.Empty(), new NodeId(1), "enable").State;
        var disabled = Type.Update(Type.Empty(), new NodeId(2), "disable").State;
        var enableWins = TestTypes.Create("flag");
        Assert.Equal("false", Type.Read(Type.Merge(enabled, disabled)));
        Assert.Equal("true", enableWins.Read(enableWins.Merge(enabled, disabled)));
        Assert.Equal("false", Type.Read(Type.Empty()));
    }
}

/// <summary>The flags' specification: the enables and disables no other saw decide.</summary>
internal static class FlagModel
{
    public static string Read(IReadOnlyList<Event> events, bool disableWins)
    {
        var latest = events.Where(e => !events.Any(o => o.Observed.Contains(e.Id))).ToList();
        var on = latest.Any(e => e.Operation == "enable") && !(disableWins && latest.Any(e => e.Operation == "disable"));
        return on ? "true" : "false";
    }
}

/// <summary>
/// Last-writer-wins as a specification: each write's hybrid clock is its time, or one logical step past the latest clock
/// among the writes it saw if that is not behind; the winner is the greatest (clock, replica, value).
/// </summary>
internal static class LwwModel
{
    public static (long Wall, long Logical, int Node, string? Value)? Winner(IEnumerable<Event> writes)
    {
        var clocks = new Dictionary<int, (long Wall, long Logical, int Node, string? Value)>();
        (long, long, int, string?)? best = null;
        foreach (var e in writes.OrderBy(e => e.Id))
        {
            var parts = e.Operation.Split(' ', 4);
            var time = long.Parse(parts[1], CultureInfo.InvariantCulture);
            var value = parts[0] == "set" ? parts[^1] : null;
            var seen = clocks.Where(c => e.Observed.Contains(c.Key)).Select(c => c.Value).DefaultIfEmpty((0L, -1L, 0, null)).Max(Order.Instance);
            var clock = time > seen.Wall ? (time, 0L) : (seen.Wall, seen.Logical + 1);
            var write = (clock.Item1, clock.Item2, e.Replica.Value, value);
            clocks[e.Id] = write;
            best = best is { } b && Order.Instance.Compare(b, write) >= 0 ? b : write;
        }

        return best;
    }

    private sealed class Order : IComparer<(long Wall, long Logical, int Node, string? Value)>
    {
        public static Order Instance { get; } = new();

        public int Compare((long Wall, long Logical, int Node, string? Value) x, (long Wall, long Logical, int Node, string? Value) y)
        {
            var c = x.Wall.CompareTo(y.Wall);
            c = c != 0 ? c : x.Logical.CompareTo(y.Logical);
            c = c != 0 ? c : x.Node.CompareTo(y.Node);
            return c != 0 ? c : string.CompareOrdinal(x.Value, y.Value);
        }
    }
}
