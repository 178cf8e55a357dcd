using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Counters;

/// <summary>
/// A grow-only counter: each replica's count of its own increments (a <see cref="VersionVector"/>, whose join is the
/// pointwise maximum), read as their sum. Pruning folds a removed replica's count into the pruning replica's and records
/// the folded count in <see cref="Pruned"/>; an entry at or below its pruned count is dropped on every merge, so a state
/// that still holds the removed replica's entry cannot bring it back (no count is lost or counted twice).
/// </summary>
/// <remarks>
/// Invariant: every entry of <see cref="Counts"/> is above its replica's <see cref="Pruned"/> count. A replica's share of
/// the value is its count minus its pruned count. Merge is the pointwise maximum of both vectors, then that invariant
/// restored; both are joins, and dropping an entry the greater pruned count covers commutes with them.
/// </remarks>
internal sealed class GCounter : IDeltaReplicatedData<GCounter, GCounter>, IEquatable<GCounter>
{
    private GCounter(VersionVector counts, VersionVector pruned)
    {
        Counts = counts;
        Pruned = pruned;
    }

    public static GCounter Empty { get; } = new(VersionVector.Empty, VersionVector.Empty);

    /// <summary>Each replica's count of its own increments.</summary>
    public VersionVector Counts { get; }

    /// <summary>For each pruned replica, the count folded into another replica's entry.</summary>
    public VersionVector Pruned { get; }

    /// <summary>The sum of the replicas' shares.</summary>
    public long Value
    {
        get
        {
            long sum = 0;
            foreach (var (replica, count) in Counts.Entries)
            {
                sum = checked(sum + count - Pruned[replica]);
            }

            return sum;
        }
    }

    /// <summary>The delta of <paramref name="replica"/> adding <paramref name="amount"/> (positive).</summary>
    public GCounter IncrementDelta(NodeId replica, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        var from = Math.Max(Counts[replica], Pruned[replica]);
        return new GCounter(VersionVector.Empty.With(replica, checked(from + amount)), VersionVector.Empty);
    }

    /// <summary>
    /// The delta of <paramref name="into"/> pruning the removed replica <paramref name="removed"/>: the removed replica's
    /// share moves to <paramref name="into"/>'s entry and its count is recorded as pruned. One replica prunes a given
    /// removed replica (two pruning it concurrently would both fold its share in).
    /// </summary>
    public GCounter PruneDelta(NodeId removed, NodeId into)
    {
        var count = Counts[removed];
        if (count == 0 || removed == into)
        {
            return Empty;
        }

        var share = count - Pruned[removed];
        var target = checked(Math.Max(Counts[into], Pruned[into]) + share);
        return new GCounter(VersionVector.Empty.With(into, target), VersionVector.Empty.With(removed, count));
    }

    /// <inheritdoc />
    public GCounter Merge(GCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other) || (Counts.Equals(other.Counts) && Pruned.Equals(other.Pruned)))
        {
            return this;
        }

        return Normalized(Counts.Merge(other.Counts), Pruned.Merge(other.Pruned));
    }

    /// <inheritdoc />
    public GCounter MergeDelta(GCounter delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        EncodeBody(writer);
    }

    /// <summary>Writes the counts then the pruned counts, without the version byte (for types that embed a counter).</summary>
    public void EncodeBody(CrdtWriter writer)
    {
        Counts.Encode(writer);
        Pruned.Encode(writer);
    }

    /// <inheritdoc />
    public static GCounter Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, "g-counter");
        return DecodeBody(ref reader, "g-counter");
    }

    /// <summary>Reads what <see cref="EncodeBody"/> wrote; an entry the pruned counts cover is malformed (not canonical).</summary>
    public static GCounter DecodeBody(ref CrdtReader reader, string type)
    {
        var counts = VersionVector.Decode(ref reader);
        var pruned = VersionVector.Decode(ref reader);
        foreach (var (replica, count) in counts.Entries)
        {
            if (count <= pruned[replica])
            {
                throw new FormatException($"crdt/{type} state has replica {replica}'s count {count.ToString(CultureInfo.InvariantCulture)} at or below its pruned count (not canonical).");
            }
        }

        return counts.Entries.Count == 0 && pruned.Entries.Count == 0 ? Empty : new GCounter(counts, pruned);
    }

    /// <inheritdoc />
    public bool Equals(GCounter? other) => other is not null && Counts.Equals(other.Counts) && Pruned.Equals(other.Pruned);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GCounter);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Counts, Pruned);

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    private static GCounter Normalized(VersionVector counts, VersionVector pruned)
    {
        if (pruned.Entries.Count > 0 && counts.Entries.Any(e => e.Value <= pruned[e.Key]))
        {
            counts = VersionVector.From(counts.Entries.Where(e => e.Value > pruned[e.Key]));
        }

        return new GCounter(counts, pruned);
    }
}
