using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Counters;

/// <summary>
/// A counter that can sit in an OR-Map (riak_dt's emcntr): running increments and decrements under dots. A replica's
/// update replaces its latest entry with one under a new dot (so each replica has one entry, but after pruning, where a
/// removed replica's entry moves under a dot of the pruning replica). Removing the map field overwrites the dots it saw,
/// so the counter restarts from zero unless a replica updated it concurrently; then that replica's running totals survive.
/// </summary>
internal sealed class CounterStore : IDotStore<CounterStore>
{
    private readonly Entry[] _entries;

    private CounterStore(Entry[] entries) => _entries = entries;

    public static CounterStore Bottom { get; } = new([]);

    public static string TypeName => "counter";

    public FieldKind Kind => FieldKind.Counter;

    public bool IsBottom => _entries.Length == 0;

    /// <summary>Increments minus decrements.</summary>
    public long Value => _entries.Sum(e => checked(e.Increments - e.Decrements));

    public CounterStore Join(CounterStore other, CausalContext mine, CausalContext theirs)
    {
        if (ReferenceEquals(this, other))
        {
            return this;
        }

        var kept = _entries.Where(e => other._entries.Contains(e) || !theirs.Contains(e.Dot))
            .Concat(other._entries.Where(e => !mine.Contains(e.Dot)))
            .OrderBy(e => e.Dot)
            .ToArray();
        return kept.AsSpan().SequenceEqual(_entries) ? this : new CounterStore(kept);
    }

    public IDotStore JoinStore(IDotStore other, CausalContext mine, CausalContext theirs) => Join((CounterStore)other, mine, theirs);

    public bool SameAs(IDotStore other) => _entries.AsSpan().SequenceEqual(((CounterStore)other)._entries);

    public void CollectDots(List<Dot> into) => into.AddRange(_entries.Select(e => e.Dot));

    public IDotStore MapDots(Func<Dot, Dot?> map) =>
        new CounterStore([.. _entries.Select(e => map(e.Dot) is { } dot ? e with { Dot = dot } : (Entry?)null).OfType<Entry>().OrderBy(e => e.Dot)]);

    public IDotStore MutateStore(CausalContext context, NodeId replica, string operation, CausalSettings settings, int depth, List<Dot> seen)
    {
        var verb = Operation.Verb(operation, out var rest);
        if (verb is not ("inc" or "dec") || !Operation.TryAmount(rest, out var amount))
        {
            throw Operation.Unknown(settings.Type, operation, "inc, inc N, dec, dec N (N a positive integer)");
        }

        var current = new Entry(default, 0, 0);
        foreach (var e in _entries)
        {
            if (e.Dot.Replica == replica && e.Dot.CompareTo(current.Dot) > 0)
            {
                current = e;
            }
        }

        if (current.Dot.Counter > 0)
        {
            seen.Add(current.Dot);
        }

        var dot = context.Next(replica);
        seen.Add(dot);
        var updated = verb == "inc"
            ? current with { Dot = dot, Increments = checked(current.Increments + amount) }
            : current with { Dot = dot, Decrements = checked(current.Decrements + amount) };
        return new CounterStore([updated]);
    }

    public string Read(CausalSettings settings) => Value.ToString(CultureInfo.InvariantCulture);

    public void EncodeStore(CrdtWriter writer)
    {
        writer.WriteCount(_entries.Length);
        foreach (var e in _entries)
        {
            writer.WriteDot(e.Dot);
            writer.WriteCount(e.Increments);
            writer.WriteCount(e.Decrements);
        }
    }

    public static CounterStore DecodeStore(ref CrdtReader reader, CausalContext context, int depth)
    {
        var entries = new Entry[reader.ReadCount(reader.Remaining)];
        for (var i = 0; i < entries.Length; i++)
        {
            var dot = reader.ReadDot();
            if ((i > 0 && entries[i - 1].Dot.CompareTo(dot) >= 0) || !context.Contains(dot))
            {
                throw new FormatException("crdt/or-map counter has entries whose dots are not sorted, unique and in its causal context.");
            }

            entries[i] = new Entry(dot, reader.ReadCount(), reader.ReadCount());
        }

        return entries.Length == 0 ? Bottom : new CounterStore(entries);
    }

    private readonly record struct Entry(Dot Dot, long Increments, long Decrements);
}
