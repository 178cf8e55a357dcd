using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Counters;

/// <summary>
/// A counter that goes up and down: two <see cref="GCounter"/>s, increments and decrements, read as their difference.
/// Merge, deltas and pruning are the grow-only counter's, on each half.
/// </summary>
internal sealed class PnCounter : IDeltaReplicatedData<PnCounter, PnCounter>, IEquatable<PnCounter>
{
    private PnCounter(GCounter increments, GCounter decrements)
    {
        Increments = increments;
        Decrements = decrements;
    }

    public static PnCounter Empty { get; } = new(GCounter.Empty, GCounter.Empty);

    /// <summary>The increments.</summary>
    public GCounter Increments { get; }

    /// <summary>The decrements.</summary>
    public GCounter Decrements { get; }

    /// <summary>Increments minus decrements.</summary>
    public long Value => checked(Increments.Value - Decrements.Value);

    /// <summary>The delta of <paramref name="replica"/> adding <paramref name="amount"/> (non-zero, either sign).</summary>
    public PnCounter AddDelta(NodeId replica, long amount) => amount switch
    {
        > 0 => new PnCounter(Increments.IncrementDelta(replica, amount), GCounter.Empty),
        < 0 when amount != long.MinValue => new PnCounter(GCounter.Empty, Decrements.IncrementDelta(replica, -amount)),
        _ => throw new ArgumentOutOfRangeException(nameof(amount), amount, "An amount is non-zero and above long.MinValue."),
    };

    /// <summary>The delta of <paramref name="into"/> pruning the removed replica <paramref name="removed"/> (see <see cref="GCounter.PruneDelta"/>).</summary>
    public PnCounter PruneDelta(NodeId removed, NodeId into) =>
        new(Increments.PruneDelta(removed, into), Decrements.PruneDelta(removed, into));

    /// <inheritdoc />
    public PnCounter Merge(PnCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var increments = Increments.Merge(other.Increments);
        var decrements = Decrements.Merge(other.Decrements);
        return ReferenceEquals(increments, Increments) && ReferenceEquals(decrements, Decrements) ? this : new PnCounter(increments, decrements);
    }

    /// <inheritdoc />
    public PnCounter MergeDelta(PnCounter delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        Increments.EncodeBody(writer);
        Decrements.EncodeBody(writer);
    }

    /// <inheritdoc />
    public static PnCounter Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, "pn-counter");
        var increments = GCounter.DecodeBody(ref reader, "pn-counter");
        return new PnCounter(increments, GCounter.DecodeBody(ref reader, "pn-counter"));
    }

    /// <inheritdoc />
    public bool Equals(PnCounter? other) => other is not null && Increments.Equals(other.Increments) && Decrements.Equals(other.Decrements);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PnCounter);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Increments, Decrements);

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
