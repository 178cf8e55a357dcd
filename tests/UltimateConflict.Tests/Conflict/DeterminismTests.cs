using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kernel.Sdk.Conflict;
using UltimateConflict.Tests.Conflict.CrdtMerge;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict;

/// <summary>
/// Every strategy resolves a conflict the same way whatever order its versions come in (equal timestamps, replicas and
/// values included, and versions delivered twice): the same kept versions, byte for byte, and the same explanation.
/// </summary>
public sealed class DeterminismTests
{
    /// <summary>True when <paramref name="resolver"/> gives the same resolution for five orders of the conflict drawn from <paramref name="seed"/>.</summary>
    internal static bool Deterministic(IConflictResolver resolver, Func<Random, Kernel.Sdk.Conflict.Conflict> draw, int seed)
    {
        var random = new Random(seed);
        var conflict = draw(random);
        var expected = Print(resolver.Resolve(conflict));
        for (var i = 0; i < 5; i++)
        {
            var reordered = conflict with { Versions = Shuffled(random, conflict.Versions) };
            if (Print(resolver.Resolve(reordered)) != expected)
            {
                return false;
            }
        }

        return true;
    }

    private static Kernel.Sdk.Conflict.Conflict Plain(Random random) => Of(Random(random));

    private static Kernel.Sdk.Conflict.Conflict Texts(Random random)
    {
        string Text(Random r) => string.Concat(Enumerable.Range(0, r.Next(1, 6)).Select(_ => "abc"[r.Next(3)] + "\n"));
        return new("k", Random(random, Text), V(1, 0, Text(random)));
    }

    private static Kernel.Sdk.Conflict.Conflict Objects(Random random)
    {
        string Json(Random r) => "{" + string.Join(",", new[] { "a", "ab", "b" }.Where(_ => r.Next(3) > 0).Select(f => $"\"{f}\":{r.Next(3)}")) + "}";
        return new("k", Random(random, Json), random.Next(4) == 0 ? null : V(1, 0, Json(random)));
    }

    private static Kernel.Sdk.Conflict.Conflict Counters(Random random)
    {
        var versions = Random(random).Select(v => v with
        {
            Value = TestGCounter.Of((1, random.Next(3)), (2, random.Next(3)), (v.Replica.Value, random.Next(1, 4))).ToBytes(),
        });
        return Of([.. versions]);
    }

    private static readonly TestStrategies Strategies = new TestStrategies()
        .AddCrdt("g-counter", new TestGCounterType())
        .Add("broken", new FirstOfLatest());

    [Property(MaxTest = 300)]
    public bool Last_writer_wins(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("last-writer-wins")), Plain, seed)
        && Deterministic(Strategies.Create(ConflictStrategies.Named("last-writer-wins"), ("nodePriority:0", "n3"), ("nodePriority:1", "n1")), Plain, seed);

    [Property(MaxTest = 300)]
    public bool First_writer_wins(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("first-writer-wins"), ("nodePriority:0", "n2")), Plain, seed);

    [Property(MaxTest = 300)]
    public bool Vector_clock(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("vector-clock")), Plain, seed)
        && Deterministic(Strategies.Create(ConflictStrategies.Named("vector-clock"), ("maxSiblings", "2")), Plain, seed);

    [Property(MaxTest = 300)]
    public bool Crdt_merge(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("crdt-merge"), ("type", "crdt/g-counter")), Counters, seed);

    [Property(MaxTest = 300)]
    public bool Three_way_merge_of_lines(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("three-way-merge")), Texts, seed)
        && Deterministic(Strategies.Create(ConflictStrategies.Named("three-way-merge"), ("onConflict", "siblings")), Texts, seed);

    [Property(MaxTest = 300)]
    public bool Three_way_merge_of_fields(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("three-way-merge"), ("mode", "fields")), Objects, seed);

    [Property(MaxTest = 300)]
    public bool Priority(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("priority"), ("replicas:0", "n2"), ("replicas:1", "n4")), Plain, seed)
        && Deterministic(Strategies.Create(ConflictStrategies.Named("priority"), ("replicas:0", "n2"), ("fieldRules:0", "a* => n3, n1")), Objects, seed);

    [Property(MaxTest = 300)]
    public bool Custom_in_canonical_order_makes_an_order_dependent_resolver_deterministic(int seed) =>
        Deterministic(Strategies.Create(ConflictStrategies.Named("custom"), ("resolver", "conflict/broken")), Plain, seed);

    [Fact]
    public void The_property_catches_a_tie_break_that_depends_on_input_order()
    {
        var broken = new FirstOfLatest();
        var property = Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed => Deterministic(broken, Plain, seed));
        Assert.ThrowsAny<Exception>(() => property.QuickCheckThrowOnFailure());

        var asGiven = Strategies.Create(ConflictStrategies.Named("custom"), ("resolver", "conflict/broken"), ("order", "as-given"));
        var throughCustom = Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed => Deterministic(asGiven, Plain, seed));
        Assert.ThrowsAny<Exception>(() => throughCustom.QuickCheckThrowOnFailure());
    }

    /// <summary>The deliberately broken variant: the highest timestamp wins, a tie goes to whichever came first.</summary>
    private sealed class FirstOfLatest : IConflictResolver
    {
        public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
        {
            var latest = conflict.Versions.Max(v => v.Timestamp);
            var winner = conflict.Versions.First(v => v.Timestamp == latest);
            return Resolution.Winner(winner, "first of the latest " + Encoding.UTF8.GetString(winner.Value.Span));
        }
    }
}
