using System.Buffers.Binary;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Storage.Codec;

/// <summary>
/// Reads what <see cref="BinaryOut"/> wrote, from a span, front to back. Every malformation (input ending early, a
/// varint overflowing, a length exceeding what is left, a value out of range) throws <see cref="FormatException"/>
/// naming the byte position.
/// </summary>
public ref struct BinaryIn
{
    private readonly ReadOnlySpan<byte> _input;
    private int _position;

    /// <summary>Creates a reader at the start of <paramref name="input"/>.</summary>
    /// <param name="input">The bytes to read.</param>
    public BinaryIn(ReadOnlySpan<byte> input)
    {
        _input = input;
        _position = 0;
    }

    /// <summary>How many bytes were read so far.</summary>
    public readonly int Position => _position;

    /// <summary>How many bytes are left.</summary>
    public readonly int Remaining => _input.Length - _position;

    /// <summary>Reads one byte.</summary>
    /// <returns>The byte.</returns>
    public byte Byte()
    {
        if (_position >= _input.Length)
        {
            throw new FormatException($"Unexpected end of input at byte {_position}.");
        }

        return _input[_position++];
    }

    /// <summary>Reads an unsigned LEB128 varint.</summary>
    /// <returns>The value.</returns>
    public ulong UVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Byte();
            if (shift == 63 && b > 1)
            {
                throw new FormatException($"Varint overflows 64 bits at byte {_position - 1}.");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException($"Varint longer than 10 bytes at byte {_position}.");
    }

    /// <summary>Reads a zigzag varint.</summary>
    /// <returns>The value.</returns>
    public long Varint()
    {
        var raw = UVarint();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads a zigzag varint that must fit a 32-bit integer.</summary>
    /// <returns>The value.</returns>
    public int Int()
    {
        var value = Varint();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new FormatException($"Value {value} does not fit a 32-bit integer (before byte {_position}).");
        }

        return (int)value;
    }

    /// <summary>Reads a boolean byte, which must be 0 or 1.</summary>
    /// <returns>The value.</returns>
    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw new FormatException($"Byte {b} at {_position - 1} is not a boolean."),
    };

    /// <summary>Reads a node id.</summary>
    /// <returns>The node id.</returns>
    public NodeId Node() => new(Int());

    /// <summary>Reads length-prefixed bytes without copying them.</summary>
    /// <returns>A slice of the input, valid as long as the input is.</returns>
    public ReadOnlySpan<byte> BytesSpan()
    {
        var length = UVarint();
        if (length > (ulong)Remaining)
        {
            throw new FormatException($"Length {length} at byte {_position} exceeds the {Remaining} bytes left.");
        }

        var span = _input.Slice(_position, (int)length);
        _position += (int)length;
        return span;
    }

    /// <summary>Reads length-prefixed bytes into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] Bytes() => BytesSpan().ToArray();

    /// <summary>Reads a 32-bit unsigned little-endian integer.</summary>
    /// <returns>The value.</returns>
    public uint UInt32()
    {
        if (Remaining < 4)
        {
            throw new FormatException($"Unexpected end of input at byte {_position}.");
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(_input[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>Reads a log entry written by <see cref="BinaryOut.Entry"/>; an unknown entry kind is a malformation.</summary>
    /// <returns>The entry.</returns>
    public LogEntry Entry()
    {
        var index = Varint();
        var term = Varint();
        var kind = Byte();
        if (kind > (byte)EntryKind.Membership)
        {
            throw new FormatException($"Entry kind {kind} at byte {_position - 1} is not known.");
        }

        return new LogEntry(index, term, (EntryKind)kind, Bytes());
    }

    /// <summary>Reads entries written by <see cref="BinaryOut.Entries"/>, checking the count against the bytes left before allocating.</summary>
    /// <returns>The entries.</returns>
    public LogEntry[] Entries()
    {
        var count = UVarint();
        // Each entry takes at least four bytes, which bounds the count before allocating.
        if (count > (ulong)Remaining / 4)
        {
            throw new FormatException($"Entry count {count} at byte {_position} exceeds what {Remaining} bytes can hold.");
        }

        var entries = new LogEntry[count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = Entry();
        }

        return entries;
    }

    /// <summary>Reads a membership written by <see cref="BinaryOut.Membership"/>.</summary>
    /// <returns>The membership.</returns>
    public Membership Membership() => Kernel.Sdk.Consensus.Membership.Decode(BytesSpan());

    /// <summary>Reads a snapshot written by <see cref="BinaryOut.Snapshot"/>.</summary>
    /// <returns>The snapshot.</returns>
    public Snapshot Snapshot() => new(Varint(), Varint(), Membership(), Bytes());

    /// <summary>Checks that the whole input was read: trailing bytes are a malformation.</summary>
    public readonly void End()
    {
        if (_position != _input.Length)
        {
            throw new FormatException($"{Remaining} trailing bytes after byte {_position}.");
        }
    }
}
