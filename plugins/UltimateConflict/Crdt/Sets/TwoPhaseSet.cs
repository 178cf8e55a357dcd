using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Sets;

/// <summary>
/// A two-phase set: a grow-only set of adds and one of removes (tombstones); an element is in the set when added and
/// not removed. A remove is forever: an element removed once can never come back, and a remove wins over any add.
/// </summary>
internal sealed class TwoPhaseSet : IDeltaReplicatedData<TwoPhaseSet, TwoPhaseSet>, IEquatable<TwoPhaseSet>
{
    private TwoPhaseSet(GSet added, GSet removed)
    {
        Added = added;
        Removed = removed;
    }

    public static TwoPhaseSet Empty { get; } = new(GSet.Empty, GSet.Empty);

    /// <summary>Every element ever added.</summary>
    public GSet Added { get; }

    /// <summary>Every element ever removed (the tombstones).</summary>
    public GSet Removed { get; }

    /// <summary>The elements added and not removed, sorted.</summary>
    public IEnumerable<string> Elements => Added.Elements.Where(e => !Removed.Contains(e));

    /// <summary>The delta of adding <paramref name="element"/>.</summary>
    public TwoPhaseSet AddDelta(string element) => new(Added.AddDelta(element), GSet.Empty);

    /// <summary>The delta of removing <paramref name="element"/>: empty unless it is in the set (riak_dt's precondition, as a no-op).</summary>
    public TwoPhaseSet RemoveDelta(string element) =>
        Added.Contains(element) && !Removed.Contains(element) ? new TwoPhaseSet(GSet.Empty, Removed.AddDelta(element)) : Empty;

    /// <inheritdoc />
    public TwoPhaseSet Merge(TwoPhaseSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var added = Added.Merge(other.Added);
        var removed = Removed.Merge(other.Removed);
        return ReferenceEquals(added, Added) && ReferenceEquals(removed, Removed) ? this : new TwoPhaseSet(added, removed);
    }

    /// <inheritdoc />
    public TwoPhaseSet MergeDelta(TwoPhaseSet delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        Added.EncodeBody(writer);
        Removed.EncodeBody(writer);
    }

    /// <inheritdoc />
    public static TwoPhaseSet Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, "two-phase-set");
        var added = GSet.DecodeBody(ref reader, "two-phase-set");
        return new TwoPhaseSet(added, GSet.DecodeBody(ref reader, "two-phase-set"));
    }

    /// <inheritdoc />
    public bool Equals(TwoPhaseSet? other) => other is not null && Added.Equals(other.Added) && Removed.Equals(other.Removed);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TwoPhaseSet);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Added, Removed);

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", Elements) + "]";
}
