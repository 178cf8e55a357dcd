using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Sets;

namespace UltimateConflict.Tests.Crdt;

/// <summary>
/// The property suite catches broken types: a counter whose merge adds the counts (not idempotent: a state merged with
/// itself doubles), and an OR-Set whose merge keeps the union of the dots (a lattice, so the algebraic laws hold, but a
/// remove does not stick: only the model finds it). The same seeds pass for the real types.
/// </summary>
public sealed class BrokenVariantTests
{
    private static readonly int[] Seeds = [.. Enumerable.Range(0, 100)];

    [Fact]
    public void A_merge_that_adds_counts_fails_idempotence_and_convergence()
    {
        var broken = new Laws(new SummingCounter(TestTypes.Create("g-counter")), new GCounterTests());
        var real = new GCounterTests();
        Assert.Contains(Seeds, s => !broken.Merge_is_idempotent_and_empty_is_its_identity(s));
        Assert.Contains(Seeds, s => !broken.Converges(s, out _));
        Assert.All(Seeds, s => Assert.True(real.Merge_is_idempotent_and_empty_is_its_identity(s) && real.Converges(s, out _)));
    }

    [Fact]
    public void A_merge_that_forgets_removes_keeps_the_laws_but_misses_the_specification()
    {
        var broken = new Laws(new UnionOrSet(TestTypes.Create("or-set")), new OrSetTests());
        var real = new OrSetTests();
        Assert.All(Seeds.Take(30), s => Assert.True(broken.Merge_is_commutative(s) && broken.Merge_is_associative(s) && broken.Merge_is_idempotent_and_empty_is_its_identity(s)));
        Assert.Contains(Seeds, s => !broken.Converges(s, out _));
        Assert.All(Seeds, s => Assert.True(real.Converges(s, out var detail), detail));
    }

    /// <summary>The suite over a broken type, with the operations and specification of the real type's tests (not a test class: internal).</summary>
    private sealed class Laws(ICrdtType broken, CrdtProperties real) : CrdtProperties
    {
        protected override ICrdtType Type => broken;

        protected override string RandomOperation(Random random) => real.Operation(random);

        protected override string? Spec(IReadOnlyList<Event> events) => real.Specification(events);
    }

    /// <summary>A g-counter whose merge adds each replica's counts instead of taking the greater.</summary>
    private sealed class SummingCounter(ICrdtType real) : ICrdtType
    {
        public byte[] Empty() => real.Empty();

        public byte[] Merge(ReadOnlySpan<byte> state, ReadOnlySpan<byte> other)
        {
            var a = CrdtType<GCounter, GCounter>.Decode<GCounter>(state).Counts.Entries;
            var b = CrdtType<GCounter, GCounter>.Decode<GCounter>(other).Counts.Entries;
            var sum = VersionVector.From(a.Concat(b).GroupBy(e => e.Key).Select(g => KeyValuePair.Create(g.Key, g.Sum(e => e.Value))));
            var writer = new CrdtWriter();
            writer.WriteUnsigned(1);
            sum.Encode(writer);
            VersionVector.Empty.Encode(writer);
            return writer.ToArray();
        }

        public byte[] MergeDelta(ReadOnlySpan<byte> state, ReadOnlySpan<byte> delta) => real.MergeDelta(state, delta);

        public byte[] MergeDeltas(ReadOnlySpan<byte> delta, ReadOnlySpan<byte> other) => real.MergeDeltas(delta, other);

        public CrdtUpdate Update(ReadOnlySpan<byte> state, NodeId replica, string operation) => real.Update(state, replica, operation);

        public string Read(ReadOnlySpan<byte> state) => real.Read(state);
    }

    /// <summary>An or-set whose merge keeps every dot either side holds, whatever the other has seen.</summary>
    private sealed class UnionOrSet(ICrdtType real) : ICrdtType
    {
        public byte[] Empty() => real.Empty();

        public byte[] Merge(ReadOnlySpan<byte> state, ReadOnlySpan<byte> other)
        {
            var a = CrdtType<Causal<OrSetStore>, Causal<OrSetStore>>.Decode<Causal<OrSetStore>>(state);
            var b = CrdtType<Causal<OrSetStore>, Causal<OrSetStore>>.Decode<Causal<OrSetStore>>(other);
            var union = a.Store.Pairs.Concat(b.Store.Pairs)
                .GroupBy(p => p.Element, StringComparer.Ordinal)
                .Select(g => (g.Key, g.SelectMany(p => p.Dots).Distinct().Order().ToArray()));
            return CrdtType<Causal<OrSetStore>, Causal<OrSetStore>>.Encode(new Causal<OrSetStore>(OrSetStore.From(union), a.Context.Merge(b.Context)));
        }

        public byte[] MergeDelta(ReadOnlySpan<byte> state, ReadOnlySpan<byte> delta) => Merge(state, delta);

        public byte[] MergeDeltas(ReadOnlySpan<byte> delta, ReadOnlySpan<byte> other) => Merge(delta, other);

        public CrdtUpdate Update(ReadOnlySpan<byte> state, NodeId replica, string operation)
        {
            var update = real.Update(state, replica, operation);
            return new CrdtUpdate(MergeDelta(state, update.Delta), update.Delta);
        }

        public string Read(ReadOnlySpan<byte> state) => real.Read(state);
    }
}
