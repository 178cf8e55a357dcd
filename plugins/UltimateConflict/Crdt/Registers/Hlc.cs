using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Crdt.Registers;

/// <summary>
/// A hybrid logical clock reading (Kulkarni et al.): the greatest physical time seen, in milliseconds, and a logical
/// count that orders events within it. The physical time is an input (the operation carries it); nothing here reads a
/// clock. A write ticks past the clock it overwrites, so it wins over it even when its replica's clock is behind.
/// </summary>
/// <param name="Wall">The physical part, in milliseconds.</param>
/// <param name="Logical">The logical part.</param>
internal readonly record struct Hlc(long Wall, long Logical) : IComparable<Hlc>
{
    /// <summary>The clock of an event at physical time <paramref name="physicalMillis"/> after <paramref name="observed"/>.</summary>
    public static Hlc Tick(long physicalMillis, Hlc observed) =>
        physicalMillis > observed.Wall ? new Hlc(physicalMillis, 0) : new Hlc(observed.Wall, checked(observed.Logical + 1));

    /// <inheritdoc />
    public int CompareTo(Hlc other)
    {
        var byWall = Wall.CompareTo(other.Wall);
        return byWall != 0 ? byWall : Logical.CompareTo(other.Logical);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Wall.ToString(CultureInfo.InvariantCulture)}.{Logical.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// A last-writer-wins write: its clock, its replica and its value (null for a remove). Writes are totally ordered: by
/// clock, then by replica id (the greater wins a tie), then by value (ordinal), so every replica picks the same winner.
/// </summary>
/// <param name="Clock">When it was written.</param>
/// <param name="Node">The replica that wrote it.</param>
/// <param name="Value">The value, or null for a remove (a tombstone).</param>
internal readonly record struct LwwWrite(Hlc Clock, NodeId Node, string? Value) : IComparable<LwwWrite>
{
    /// <inheritdoc />
    public int CompareTo(LwwWrite other)
    {
        var byClock = Clock.CompareTo(other.Clock);
        if (byClock != 0)
        {
            return byClock;
        }

        var byNode = Node.CompareTo(other.Node);
        return byNode != 0 ? byNode : string.CompareOrdinal(Value, other.Value);
    }

    /// <summary>The later of two writes.</summary>
    public static LwwWrite Max(LwwWrite a, LwwWrite b) => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>Writes the clock, replica and value.</summary>
    public void Encode(CrdtWriter writer)
    {
        writer.WriteCount(Clock.Wall);
        writer.WriteCount(Clock.Logical);
        writer.WriteNode(Node);
        writer.WriteCount(Value is null ? 0 : 1);
        if (Value is not null)
        {
            writer.WriteString(Value);
        }
    }

    /// <summary>Reads what <see cref="Encode"/> wrote.</summary>
    public static LwwWrite Decode(ref CrdtReader reader)
    {
        var clock = new Hlc(reader.ReadCount(), reader.ReadCount());
        var node = reader.ReadNode();
        var value = reader.ReadCount(1) == 1 ? reader.ReadString() : null;
        return new LwwWrite(clock, node, value);
    }
}
