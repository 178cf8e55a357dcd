using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Tests.Crdt;

public sealed class LwwMapTests : PrunableCrdtProperties
{
    protected override bool HoldsNothingOf(byte[] state, NodeId removed)
    {
        var map = CrdtType<UltimateConflict.Crdt.Maps.LwwMap, UltimateConflict.Crdt.Maps.LwwMap>.Decode<UltimateConflict.Crdt.Maps.LwwMap>(state);
        return map.Context.Vector[removed] == 0 && map.Context.Cloud.All(d => d.Replica != removed);
    }

    private static readonly string[] Keys = ["k1", "k2", "k3"];

    protected override ICrdtType Type { get; } = TestTypes.Create("lww-map");

    protected override string RandomOperation(Random random)
    {
        var key = Keys[random.Next(Keys.Length)];
        var time = random.Next(0, 6);
        return random.Next(4) == 0 ? $"remove {time} {key}" : $"set {time} {key} v{random.Next(3)}";
    }

    protected override string? Spec(IReadOnlyList<Event> events)
    {
        var values = Keys
            .Select(k => (Key: k, Winner: LwwModel.Winner(events.Where(e => e.Operation.Split(' ')[2] == k))))
            .Where(k => k.Winner?.Value is not null)
            .Select(k => $"{k.Key}={k.Winner!.Value.Value}");
        return "{" + string.Join(", ", values) + "}";
    }

    [Fact]
    public void A_remove_with_the_later_clock_wins_and_stays_a_tombstone()
    {
        var set = Type.Update(Type.Empty(), new NodeId(1), "set 10 k v").State;
        var removed = Type.Update(set, new NodeId(2), "remove 11 k").State;
        var stale = Type.Update(Type.Empty(), new NodeId(3), "set 9 k old").State;
        Assert.Equal("{}", Type.Read(Type.Merge(Type.Merge(set, removed), stale)));
        Assert.Equal("{}", Type.Read(Type.Merge(stale, removed)));
    }
}

public sealed class OrMapTests : PrunableCrdtProperties
{
    protected override bool HoldsNothingOf(byte[] state, NodeId removed) => CausalPruning.HoldsNothingOf<UltimateConflict.Crdt.Maps.MapStore>(state, removed);

    private static readonly string[] Operations =
    [
        "update counter hits inc 2", "update counter hits dec", "remove counter hits",
        "update set tags add a", "update set tags add b", "update set tags remove a", "remove set tags",
        "update register title set x", "update register title set y", "remove register title",
        "update flag done enable", "update flag done disable", "remove flag done",
        "update map inner update counter n inc", "update map inner update set s add z", "remove map inner",
    ];

    protected override ICrdtType Type { get; } = TestTypes.Create("or-map");

    protected override string RandomOperation(Random random) => Operations[random.Next(Operations.Length)];

    // No model of nested values here: convergence is checked, and the semantics by the examples below.
    protected override string? Spec(IReadOnlyList<Event> events) => null;

    [Fact]
    public void An_update_wins_over_a_concurrent_remove_of_its_field_and_keeps_only_what_the_remover_missed()
    {
        var base_ = Type.Update(Type.Empty(), new NodeId(1), "update set tags add a").State;
        var atTwo = Type.Merge(Type.Empty(), base_);
        var removed = Type.Update(atTwo, new NodeId(2), "remove set tags").State;
        var updated = Type.Update(base_, new NodeId(1), "update set tags add b").State;
        Assert.Equal("{tags:set=[b]}", Type.Read(Type.Merge(removed, updated)));
        Assert.Equal("{}", Type.Read(Type.Merge(removed, base_)));
    }

    [Fact]
    public void Fields_of_one_name_and_different_kinds_are_distinct_and_nested_maps_are_bounded()
    {
        var state = Type.Update(Type.Empty(), new NodeId(1), "update counter x inc 3").State;
        state = Type.Update(state, new NodeId(1), "update flag x enable").State;
        state = Type.Update(state, new NodeId(1), "update map m update register r set hi").State;
        Assert.Equal("{m:map={r:register=[hi]}, x:counter=3, x:flag=true}", Type.Read(state));

        var shallow = TestTypes.Create("or-map", ("maxDepth", "1"));
        var error = Assert.Throws<FormatException>(() => shallow.Update(shallow.Empty(), new NodeId(1), "update map m update flag f enable"));
        Assert.Contains("'maxDepth'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_operation_names_the_accepted_ones()
    {
        var error = Assert.Throws<FormatException>(() => Type.Update(Type.Empty(), new NodeId(1), "update widget w inc"));
        Assert.Contains("KIND: counter, set, register, flag, map", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// The OR-Map against a model, over set, register and flag fields (counters and nested maps are left to
/// <see cref="OrMapTests"/>'s convergence and examples): each field's value is its kind's specification over the updates
/// of that field, where a remove of the field overwrites every update of it that it saw.
/// </summary>
public sealed class OrMapModelTests : CrdtProperties
{
    private static readonly string[] Operations =
    [
        "update set tags add a", "update set tags add b", "update set tags remove a", "remove set tags",
        "update register tags set x", "update register tags set y", "remove register tags",
        "update flag done enable", "update flag done disable", "remove flag done",
    ];

    protected override ICrdtType Type { get; } = TestTypes.Create("or-map");

    protected override string RandomOperation(Random random) => Operations[random.Next(Operations.Length)];

    protected override string? Spec(IReadOnlyList<Event> events)
    {
        var fields = new List<string>();

        // Fields in the map's order: by name, then by kind (set, register, flag).
        foreach (var (kind, name) in new[] { ("set", "tags"), ("register", "tags"), ("flag", "done") }.OrderBy(f => f.Item2, StringComparer.Ordinal))
        {
            var removes = events.Where(e => e.Operation == $"remove {kind} {name}").ToList();
            var updates = events.Where(e => e.Operation.StartsWith($"update {kind} {name} ", StringComparison.Ordinal))
                .Select(e => (Event: e, Inner: e.Operation[$"update {kind} {name} ".Length..]))
                .Where(u => !removes.Any(r => r.Observed.Contains(u.Event.Id)))
                .ToList();
            string? value = kind switch
            {
                "set" => SetText(updates.Where(u => u.Inner.StartsWith("add ", StringComparison.Ordinal))
                    .Where(a => !updates.Any(r => r.Inner == "remove " + a.Inner[4..] && r.Event.Observed.Contains(a.Event.Id)))
                    .Select(a => a.Inner[4..])),
                "register" => SetText(updates.Where(u => !updates.Any(o => o.Event.Observed.Contains(u.Event.Id))).Select(u => u.Inner[4..])),
                _ => FlagModel.Read([.. updates.Select(u => u.Event with { Operation = u.Inner })], disableWins: false),
            };
            var present = kind switch
            {
                "set" => value != "[]",
                "register" => value != "[]",
                _ => updates.Count > 0, // a surviving enable or disable keeps the field
            };
            if (present)
            {
                fields.Add($"{name}:{kind}={value}");
            }
        }

        return "{" + string.Join(", ", fields) + "}";
    }
}
