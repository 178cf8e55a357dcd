using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Registers;

/// <summary>
/// A last-writer-wins register: the latest write by <see cref="LwwWrite"/>'s total order (hybrid logical clock, then
/// replica id). A concurrent write with an earlier clock is lost without trace; that is the rule.
/// </summary>
internal sealed class LwwRegister : IDeltaReplicatedData<LwwRegister, LwwRegister>, IEquatable<LwwRegister>
{
    private LwwRegister(LwwWrite? write) => Write = write;

    public static LwwRegister Empty { get; } = new(null);

    /// <summary>The winning write, or null before any.</summary>
    public LwwWrite? Write { get; }

    /// <summary>The delta of <paramref name="replica"/> writing <paramref name="value"/> at physical time <paramref name="physicalMillis"/>.</summary>
    public LwwRegister SetDelta(NodeId replica, long physicalMillis, string value) =>
        new(new LwwWrite(Hlc.Tick(physicalMillis, Write?.Clock ?? default), replica, value));

    /// <inheritdoc />
    public LwwRegister Merge(LwwRegister other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return (Write, other.Write) switch
        {
            (null, _) => other,
            (_, null) => this,
            ({ } a, { } b) => a.CompareTo(b) >= 0 ? this : other,
        };
    }

    /// <inheritdoc />
    public LwwRegister MergeDelta(LwwRegister delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        writer.WriteCount(Write is null ? 0 : 1);
        Write?.Encode(writer);
    }

    /// <inheritdoc />
    public static LwwRegister Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, "lww-register");
        return reader.ReadCount(1) == 0 ? Empty : new LwwRegister(LwwWrite.Decode(ref reader));
    }

    /// <inheritdoc />
    public bool Equals(LwwRegister? other) => other is not null && Nullable.Equals(Write, other.Write);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LwwRegister);

    /// <inheritdoc />
    public override int GetHashCode() => Write.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Write?.Value ?? string.Empty;
}
