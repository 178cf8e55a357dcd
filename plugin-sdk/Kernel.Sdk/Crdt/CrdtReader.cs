using System.Text;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// Reads what <see cref="CrdtWriter"/> wrote. Malformed input (truncated, a varint longer than its shortest form,
/// invalid UTF-8, a count beyond the input) throws <see cref="FormatException"/>, never anything else.
/// </summary>
public ref struct CrdtReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _input;
    private int _position;

    /// <summary>Creates a reader over <paramref name="input"/>.</summary>
    public CrdtReader(ReadOnlySpan<byte> input)
    {
        _input = input;
        _position = 0;
    }

    /// <summary>True when every byte has been read.</summary>
    public readonly bool IsAtEnd => _position == _input.Length;

    /// <summary>The bytes not read yet.</summary>
    public readonly int Remaining => _input.Length - _position;

    /// <summary>Reads an unsigned varint.</summary>
    public ulong ReadUnsigned()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _input.Length)
            {
                throw new FormatException("CRDT state is truncated inside a number.");
            }

            var b = _input[_position++];
            if (shift == 63 && b > 1)
            {
                throw new FormatException("CRDT state has a number beyond 64 bits.");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0)
                {
                    throw new FormatException("CRDT state has a number in a longer form than its shortest (not canonical).");
                }

                return value;
            }
        }

        throw new FormatException("CRDT state has a number longer than 10 bytes.");
    }

    /// <summary>Reads a signed (zig-zag) varint.</summary>
    public long ReadSigned()
    {
        var raw = ReadUnsigned();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads a count or non-negative number, at most <paramref name="max"/>.</summary>
    public long ReadCount(long max = long.MaxValue)
    {
        var raw = ReadUnsigned();
        if (raw > (ulong)max)
        {
            throw new FormatException($"CRDT state has a count of {raw}; at most {max} is possible here.");
        }

        return (long)raw;
    }

    /// <summary>Reads a replica id.</summary>
    public NodeId ReadNode()
    {
        var value = ReadSigned();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new FormatException($"CRDT state has replica id {value}, beyond 32 bits.");
        }

        return new NodeId((int)value);
    }

    /// <summary>Reads a dot.</summary>
    public Dot ReadDot() => new(ReadNode(), ReadCount());

    /// <summary>Reads length-prefixed bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = (int)ReadCount(Remaining);
        var bytes = _input.Slice(_position, length);
        _position += length;
        return bytes;
    }

    /// <summary>Reads a length-prefixed UTF-8 string.</summary>
    public string ReadString()
    {
        var bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FormatException("CRDT state has a string that is not valid UTF-8.", ex);
        }
    }

    /// <summary>Throws <see cref="FormatException"/> unless every byte was read.</summary>
    public readonly void ExpectEnd()
    {
        if (!IsAtEnd)
        {
            throw new FormatException($"CRDT state has {Remaining} trailing bytes.");
        }
    }
}
