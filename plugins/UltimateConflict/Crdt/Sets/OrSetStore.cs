using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Sets;

/// <summary>
/// The elements of an observed-remove set without tombstones (riak_dt's ORSWOT), each with the birth dots of the adds
/// that put it there; with the state's causal context (a version vector when states are shipped whole) that is the whole
/// state. An add gives the element a fresh dot and overwrites its older ones; a remove overwrites the dots it saw; so an
/// add the remover had not seen survives (add wins) and a removed element leaves nothing behind.
/// </summary>
/// <remarks>
/// Encoding: the (dot, element) pairs in dot order, grouped by replica and within it into runs of consecutive dots (each
/// run its gap from the one before and its length), each element front-coded against the element before
/// (<see cref="FrontCoder"/>): elements a replica added one after another cost about two bytes each. Decoding rebuilds
/// the element order.
/// </remarks>
internal sealed class OrSetStore : IDotStore<OrSetStore>
{
    private readonly Entry[] _entries;

    private OrSetStore(Entry[] entries) => _entries = entries;

    public static OrSetStore Bottom { get; } = new([]);

    public static string TypeName => "or-set";

    public FieldKind Kind => FieldKind.Set;

    public bool IsBottom => _entries.Length == 0;

    /// <summary>The elements, sorted (ordinal).</summary>
    public IEnumerable<string> Elements => _entries.Select(e => e.Element);

    /// <summary>How many elements.</summary>
    public int Count => _entries.Length;

    /// <summary>True when <paramref name="element"/> is in the set.</summary>
    public bool Contains(string element) => IndexOf(element) >= 0;

    public OrSetStore Join(OrSetStore other, CausalContext mine, CausalContext theirs)
    {
        var a = _entries;
        var b = other._entries;
        var merged = new Entry[a.Length + b.Length];
        int i = 0, j = 0, n = 0;
        var changed = false;
        while (i < a.Length || j < b.Length)
        {
            var cmp = i == a.Length ? 1 : j == b.Length ? -1 : string.CompareOrdinal(a[i].Element, b[j].Element);
            Dot[] dots;
            string element;
            if (cmp == 0)
            {
                element = a[i].Element;
                dots = Contexts.Join(a[i].Dots, b[j].Dots, mine, theirs);
                changed |= !ReferenceEquals(dots, a[i].Dots);
                i++;
                j++;
            }
            else if (cmp < 0)
            {
                element = a[i].Element;
                dots = Contexts.Unseen(a[i].Dots, theirs);
                changed |= !ReferenceEquals(dots, a[i].Dots);
                i++;
            }
            else
            {
                element = b[j].Element;
                dots = Contexts.Unseen(b[j].Dots, mine);
                changed = true;
                j++;
            }

            if (dots.Length > 0)
            {
                merged[n++] = new Entry(element, dots);
            }
            else
            {
                changed = true;
            }
        }

        if (!changed && n == a.Length)
        {
            return this;
        }

        Array.Resize(ref merged, n);
        return new OrSetStore(merged);
    }

    public IDotStore JoinStore(IDotStore other, CausalContext mine, CausalContext theirs) => Join((OrSetStore)other, mine, theirs);

    public bool SameAs(IDotStore other)
    {
        var theirs = ((OrSetStore)other)._entries;
        if (ReferenceEquals(_entries, theirs))
        {
            return true;
        }

        if (theirs.Length != _entries.Length)
        {
            return false;
        }

        for (var i = 0; i < theirs.Length; i++)
        {
            if (!string.Equals(_entries[i].Element, theirs[i].Element, StringComparison.Ordinal)
                || !(ReferenceEquals(_entries[i].Dots, theirs[i].Dots) || _entries[i].Dots.AsSpan().SequenceEqual(theirs[i].Dots)))
            {
                return false;
            }
        }

        return true;
    }

    public IDotStore MapDots(Func<Dot, Dot?> map)
    {
        var entries = new List<Entry>(_entries.Length);
        foreach (var entry in _entries)
        {
            var dots = entry.Dots.Select(map).OfType<Dot>().Order().ToArray();
            if (dots.Length > 0)
            {
                entries.Add(entry with { Dots = dots });
            }
        }

        return new OrSetStore([.. entries]);
    }

    public void CollectDots(List<Dot> into)
    {
        foreach (var entry in _entries)
        {
            into.AddRange(entry.Dots);
        }
    }

    public IDotStore MutateStore(CausalContext context, NodeId replica, string operation, CausalSettings settings, int depth, List<Dot> seen)
    {
        var verb = Operation.Verb(operation, out var element);
        if (element.Length == 0 || verb is not ("add" or "remove"))
        {
            throw Operation.Unknown(settings.Type, operation, "add X, remove X");
        }

        CrdtFormat.CheckSize(element, settings.MaxKeyBytes, "The element", settings.SizeOption);
        var at = IndexOf(element);
        if (at < 0 && verb == "remove")
        {
            return Bottom; // nothing to remove: no event
        }

        if (at >= 0)
        {
            seen.AddRange(_entries[at].Dots);
        }

        // A remove is an event too (a dot in the context, none in the store), so a state is a function of the events its
        // context has seen and a merge with a state it covers can return at once.
        var dot = context.Next(replica);
        seen.Add(dot);
        return verb == "remove" ? Bottom : new OrSetStore([new Entry(element, [dot])]);
    }

    public string Read(CausalSettings settings) => "[" + string.Join(", ", Elements) + "]";

    public void EncodeStore(CrdtWriter writer)
    {
        var pairs = new List<(Dot Dot, string Element)>(_entries.Length);
        foreach (var entry in _entries)
        {
            foreach (var dot in entry.Dots)
            {
                pairs.Add((dot, entry.Element));
            }
        }

        pairs.Sort((x, y) => x.Dot.CompareTo(y.Dot));
        var groups = 0;
        for (var k = 0; k < pairs.Count; k++)
        {
            groups += k == 0 || pairs[k].Dot.Replica != pairs[k - 1].Dot.Replica ? 1 : 0;
        }

        writer.WriteCount(groups);
        var coder = new FrontCoder();
        for (var k = 0; k < pairs.Count;)
        {
            var replica = pairs[k].Dot.Replica;
            var end = k;
            var runs = 0;
            while (end < pairs.Count && pairs[end].Dot.Replica == replica)
            {
                runs += end == k || pairs[end].Dot.Counter != pairs[end - 1].Dot.Counter + 1 ? 1 : 0;
                end++;
            }

            writer.WriteNode(replica);
            writer.WriteCount(runs);
            long previous = 0;
            while (k < end)
            {
                var runEnd = k + 1;
                while (runEnd < end && pairs[runEnd].Dot.Counter == pairs[runEnd - 1].Dot.Counter + 1)
                {
                    runEnd++;
                }

                writer.WriteCount(pairs[k].Dot.Counter - previous - 1);
                writer.WriteCount(runEnd - k - 1);
                for (; k < runEnd; k++)
                {
                    coder.Write(writer, pairs[k].Element);
                }

                previous = pairs[k - 1].Dot.Counter;
            }
        }
    }

    public static OrSetStore DecodeStore(ref CrdtReader reader, CausalContext context, int depth)
    {
        var groups = reader.ReadCount(reader.Remaining);
        var byElement = new Dictionary<string, List<Dot>>(StringComparer.Ordinal);
        var decoder = new FrontDecoder(TypeName);
        NodeId? last = null;
        for (var g = 0; g < groups; g++)
        {
            var replica = reader.ReadNode();
            var runs = reader.ReadCount(reader.Remaining);
            if (runs == 0 || (last is { } l && l.CompareTo(replica) >= 0))
            {
                throw new FormatException("crdt/or-set state has replica groups that are empty, unsorted or repeated (not canonical).");
            }

            last = replica;
            long counter = 0;
            for (var run = 0; run < runs; run++)
            {
                var gap = reader.ReadCount(long.MaxValue - 1);
                if (run > 0 && gap == 0)
                {
                    throw new FormatException("crdt/or-set state has two runs of dots that are one (not canonical).");
                }

                var length = reader.ReadCount(reader.Remaining) + 1;
                if (gap > long.MaxValue - counter - length)
                {
                    throw new FormatException("crdt/or-set state has a dot counter beyond 64 bits.");
                }

                counter += gap;
                for (var k = 0; k < length; k++)
                {
                    var dot = new Dot(replica, ++counter);
                    if (!context.Contains(dot))
                    {
                        throw new FormatException($"crdt/or-set state has dot {dot} outside its causal context.");
                    }

                    var element = decoder.Read(ref reader);
                    if (!byElement.TryGetValue(element, out var dots))
                    {
                        byElement[element] = dots = [];
                    }

                    dots.Add(dot);
                }
            }
        }

        var entries = byElement.Select(e => new Entry(e.Key, [.. e.Value])).ToArray();
        Array.Sort(entries, (x, y) => string.CompareOrdinal(x.Element, y.Element));
        return entries.Length == 0 ? Bottom : new OrSetStore(entries);
    }

    /// <summary>The elements and their dots, sorted by element (for tests).</summary>
    internal IEnumerable<(string Element, Dot[] Dots)> Pairs => _entries.Select(e => (e.Element, e.Dots));

    /// <summary>Builds a store from elements and their sorted dots (the elements sorted, unique; for tests and benchmarks).</summary>
    internal static OrSetStore From(IEnumerable<(string Element, Dot[] Dots)> entries) =>
        new([.. entries.Select(e => new Entry(e.Element, e.Dots)).OrderBy(e => e.Element, StringComparer.Ordinal)]);

    private int IndexOf(string element) => Sorted.IndexOf<Entry>(_entries, element, e => e.Element);

    private readonly record struct Entry(string Element, Dot[] Dots);
}
