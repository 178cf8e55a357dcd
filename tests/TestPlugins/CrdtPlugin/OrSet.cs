using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace CrdtPlugin;

/// <summary>
/// An add-wins observed-remove set (delta-state, after Almeida, Shoker and Baquero): each element carries the dots of
/// the adds that put it there; the causal context records every dot seen. A remove drops the dots it has seen, so an add
/// concurrent with it (a dot the remover had not seen) survives. Merge keeps a dot both sides hold, or one side holds and
/// the other has not seen.
/// </summary>
public sealed class OrSet : IDeltaReplicatedData<OrSet, OrSet>, IEquatable<OrSet>
{
    private readonly SortedDictionary<string, Dot[]> _entries;

    private OrSet(SortedDictionary<string, Dot[]> entries, CausalContext context)
    {
        _entries = entries;
        Context = context;
    }

    public static OrSet Empty { get; } = new(new SortedDictionary<string, Dot[]>(StringComparer.Ordinal), CausalContext.Empty);

    public CausalContext Context { get; }

    public IReadOnlyList<string> Elements => [.. _entries.Keys];

    /// <summary>The delta mutator of an add: the element with a fresh dot, in a context that also covers its older dots (which it replaces).</summary>
    public OrSet AddDelta(NodeId replica, string element)
    {
        var dot = Context.Next(replica);
        var old = _entries.GetValueOrDefault(element) ?? [];
        var entries = new SortedDictionary<string, Dot[]>(StringComparer.Ordinal) { [element] = [dot] };
        return new OrSet(entries, CausalContext.From(VersionVector.Empty, old.Append(dot)));
    }

    /// <summary>The delta mutator of a remove: no element, a context of the dots it had.</summary>
    public OrSet RemoveDelta(string element) =>
        new(new SortedDictionary<string, Dot[]>(StringComparer.Ordinal), CausalContext.From(VersionVector.Empty, _entries.GetValueOrDefault(element) ?? []));

    public OrSet Merge(OrSet other)
    {
        var merged = new SortedDictionary<string, Dot[]>(StringComparer.Ordinal);
        foreach (var element in _entries.Keys.Union(other._entries.Keys))
        {
            var mine = _entries.GetValueOrDefault(element) ?? [];
            var theirs = other._entries.GetValueOrDefault(element) ?? [];
            var kept = mine.Where(d => theirs.Contains(d) || !other.Context.Contains(d))
                .Union(theirs.Where(d => !Context.Contains(d)))
                .Order()
                .ToArray();
            if (kept.Length > 0)
            {
                merged[element] = kept;
            }
        }

        return new OrSet(merged, Context.Merge(other.Context));
    }

    public OrSet MergeDelta(OrSet delta) => Merge(delta);

    public void Encode(CrdtWriter writer)
    {
        Context.Encode(writer);
        writer.WriteCount(_entries.Count);
        foreach (var (element, dots) in _entries)
        {
            writer.WriteString(element);
            writer.WriteCount(dots.Length);
            foreach (var dot in dots)
            {
                writer.WriteDot(dot);
            }
        }
    }

    public static OrSet Decode(ref CrdtReader reader)
    {
        var context = CausalContext.Decode(ref reader);
        var count = reader.ReadCount(reader.Remaining);
        var entries = new SortedDictionary<string, Dot[]>(StringComparer.Ordinal);
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var element = reader.ReadString();
            if (previous is not null && string.CompareOrdinal(previous, element) >= 0)
            {
                throw new FormatException("or-set elements are not sorted and unique (not canonical).");
            }

            var dots = new Dot[reader.ReadCount(reader.Remaining)];
            for (var j = 0; j < dots.Length; j++)
            {
                dots[j] = reader.ReadDot();
                if ((j > 0 && dots[j - 1].CompareTo(dots[j]) >= 0) || !context.Contains(dots[j]))
                {
                    throw new FormatException("or-set dots are not sorted, unique and in the context.");
                }
            }

            if (dots.Length == 0)
            {
                throw new FormatException("or-set element without dots (not canonical).");
            }

            entries[element] = dots;
            previous = element;
        }

        return new OrSet(entries, context);
    }

    public bool Equals(OrSet? other) =>
        other is not null && Context.Equals(other.Context) && _entries.Count == other._entries.Count
        && _entries.All(e => other._entries.TryGetValue(e.Key, out var dots) && dots.AsSpan().SequenceEqual(e.Value));

    public override bool Equals(object? obj) => Equals(obj as OrSet);

    public override int GetHashCode() => HashCode.Combine(Context, _entries.Count);

    public override string ToString() => "[" + string.Join(", ", _entries.Keys) + "]";
}

/// <summary>The byte-level face of <see cref="OrSet"/>: operations <c>add X</c> and <c>remove X</c>; read as <c>[a, b]</c>.</summary>
public sealed class OrSetType : CrdtType<OrSet, OrSet>
{
    protected override OrSet Mutate(OrSet state, NodeId replica, string operation)
    {
        if (operation.StartsWith("add ", StringComparison.Ordinal) && operation.Length > 4)
        {
            return state.AddDelta(replica, operation[4..]);
        }

        if (operation.StartsWith("remove ", StringComparison.Ordinal) && operation.Length > 7)
        {
            return state.RemoveDelta(operation[7..]);
        }

        throw new FormatException($"or-set operation '{operation}' is not known; operations: add X, remove X.");
    }

    protected override string Read(OrSet state) => state.ToString();
}

/// <summary>crdt/or-set. No options.</summary>
public sealed class OrSetStrategy : ICrdtStrategy
{
    public StrategyCategory Category => StrategyCategory.Crdt;

    public string Name => "or-set";

    public string Description => "Add-wins observed-remove set (delta-state, dots and causal context)";

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, _ => 0);

    public ICrdtType Create(StrategyInstanceContext context) => new OrSetType();
}
