using System.Buffers;
using System.Buffers.Binary;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Storage.Codec;

/// <summary>
/// Writes compact binary forms to an <see cref="IBufferWriter{T}"/>: LEB128 varints (zigzag for signed values),
/// length-prefixed bytes, little-endian fixed-width integers, and the SDK's log entries and memberships.
/// <see cref="BinaryIn"/> reads them back.
/// </summary>
public readonly ref struct BinaryOut
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    public BinaryOut(IBufferWriter<byte> output) => _output = output;

    /// <summary>Writes one byte.</summary>
    /// <param name="value">The byte.</param>
    public void Byte(byte value)
    {
        var span = _output.GetSpan(1);
        span[0] = value;
        _output.Advance(1);
    }

    /// <summary>Writes an unsigned LEB128 varint (1 to 10 bytes).</summary>
    /// <param name="value">The value.</param>
    public void UVarint(ulong value)
    {
        var span = _output.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        _output.Advance(n);
    }

    /// <summary>Writes a signed value as a zigzag varint: small magnitudes of either sign take few bytes.</summary>
    /// <param name="value">The value.</param>
    public void Varint(long value) => UVarint((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a 32-bit integer as a zigzag varint (read back by <see cref="BinaryIn.Int"/>).</summary>
    /// <param name="value">The value.</param>
    public void Int(int value) => Varint(value);

    /// <summary>Writes a boolean as one byte, 0 or 1.</summary>
    /// <param name="value">The value.</param>
    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a node id as a zigzag varint.</summary>
    /// <param name="id">The node id.</param>
    public void Node(NodeId id) => Varint(id.Value);

    /// <summary>Writes bytes prefixed by their length as an unsigned varint.</summary>
    /// <param name="data">The bytes.</param>
    public void Bytes(ReadOnlySpan<byte> data)
    {
        UVarint((ulong)data.Length);
        Raw(data);
    }

    /// <summary>Writes a 32-bit unsigned integer, little-endian, in 4 bytes.</summary>
    /// <param name="value">The value.</param>
    public void UInt32(uint value)
    {
        var span = _output.GetSpan(4);
        BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        _output.Advance(4);
    }

    /// <summary>Writes a log entry: index and term as varints, the kind as a byte, the data length-prefixed.</summary>
    /// <param name="entry">The entry.</param>
    public void Entry(in LogEntry entry)
    {
        Varint(entry.Index);
        Varint(entry.Term);
        Byte((byte)entry.Kind);
        Bytes(entry.Data.Span);
    }

    /// <summary>Writes a count as an unsigned varint, then each entry as <see cref="Entry"/> does.</summary>
    /// <param name="entries">The entries.</param>
    public void Entries(IReadOnlyList<LogEntry> entries)
    {
        UVarint((ulong)entries.Count);
        for (var i = 0; i < entries.Count; i++) // an index loop: foreach over the interface would box an enumerator per message
        {
            Entry(entries[i]);
        }
    }

    /// <summary>Writes a membership's own encoding (<see cref="Membership.Encode"/>), length-prefixed.</summary>
    /// <param name="membership">The membership.</param>
    public void Membership(Membership membership) => Bytes(membership.Encode());

    /// <summary>Writes a snapshot: index and term (varints), its membership, then its data length-prefixed.</summary>
    /// <param name="snapshot">The snapshot.</param>
    public void Snapshot(Snapshot snapshot)
    {
        SnapshotHead(snapshot);
        Raw(snapshot.Data.Span);
    }

    /// <summary>
    /// Writes what <see cref="Snapshot"/> writes before the data's bytes (index, term, membership, the data's length), for a
    /// writer that puts the data, hundreds of MB, after it from the snapshot's own buffer instead of copying it here.
    /// </summary>
    /// <param name="snapshot">The snapshot.</param>
    public void SnapshotHead(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Varint(snapshot.Index);
        Varint(snapshot.Term);
        Membership(snapshot.Membership);
        UVarint((ulong)snapshot.Data.Length);
    }

    private void Raw(ReadOnlySpan<byte> data)
    {
        var span = _output.GetSpan(data.Length);
        data.CopyTo(span);
        _output.Advance(data.Length);
    }
}
