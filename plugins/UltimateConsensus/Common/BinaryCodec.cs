using System.Buffers;
using System.Buffers.Binary;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Common;

/// <summary>Writes the compact binary forms shared by the codec and the WAL: LEB128 varints (zigzag for signed values) and length-prefixed bytes.</summary>
internal ref struct BinaryOut
{
    private readonly IBufferWriter<byte> _output;

    public BinaryOut(IBufferWriter<byte> output) => _output = output;

    public void Byte(byte value)
    {
        var span = _output.GetSpan(1);
        span[0] = value;
        _output.Advance(1);
    }

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

    public void Varint(long value) => UVarint((ulong)((value << 1) ^ (value >> 63)));

    public void Int(int value) => Varint(value);

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Node(NodeId id) => Varint(id.Value);

    public void Bytes(ReadOnlySpan<byte> data)
    {
        UVarint((ulong)data.Length);
        var span = _output.GetSpan(data.Length);
        data.CopyTo(span);
        _output.Advance(data.Length);
    }

    public void UInt32(uint value)
    {
        var span = _output.GetSpan(4);
        BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        _output.Advance(4);
    }

    public void Entry(in LogEntry entry)
    {
        Varint(entry.Index);
        Varint(entry.Term);
        Byte((byte)entry.Kind);
        Bytes(entry.Data.Span);
    }

    public void Entries(IReadOnlyList<LogEntry> entries)
    {
        UVarint((ulong)entries.Count);
        for (var i = 0; i < entries.Count; i++) // an index loop: foreach over the interface would box an enumerator per message
        {
            Entry(entries[i]);
        }
    }

    public void Membership(Membership membership) => Bytes(membership.Encode());
}

/// <summary>Reads what <see cref="BinaryOut"/> wrote; every malformation throws <see cref="FormatException"/>.</summary>
internal ref struct BinaryIn
{
    private readonly ReadOnlySpan<byte> _input;
    private int _position;

    public BinaryIn(ReadOnlySpan<byte> input)
    {
        _input = input;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _input.Length - _position;

    public byte Byte()
    {
        if (_position >= _input.Length)
        {
            throw new FormatException($"Unexpected end of input at byte {_position}.");
        }

        return _input[_position++];
    }

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

    public long Varint()
    {
        var raw = UVarint();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int Int()
    {
        var value = Varint();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new FormatException($"Value {value} does not fit a 32-bit integer (before byte {_position}).");
        }

        return (int)value;
    }

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw new FormatException($"Byte {b} at {_position - 1} is not a boolean."),
    };

    public NodeId Node() => new(Int());

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

    public byte[] Bytes() => BytesSpan().ToArray();

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

    public Membership Membership() => Kernel.Sdk.Consensus.Membership.Decode(BytesSpan());

    public readonly void End()
    {
        if (_position != _input.Length)
        {
            throw new FormatException($"{Remaining} trailing bytes after byte {_position}.");
        }
    }
}
