using System.Buffers;
using System.Text;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// Writes a CRDT's canonical encoding: unsigned LEB128 varints (the shortest form, so a number has one encoding),
/// zig-zag signed varints, length-prefixed bytes and UTF-8 strings. A type is canonical when it writes its parts in a
/// fixed order (maps and sets sorted by key), so equal states give equal bytes.
/// </summary>
public sealed class CrdtWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Writes an unsigned number in its shortest varint form.</summary>
    public void WriteUnsigned(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    /// <summary>Writes a signed number (zig-zag, then varint).</summary>
    public void WriteSigned(long value) => WriteUnsigned((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a count or a non-negative number; throws on a negative one.</summary>
    public void WriteCount(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        WriteUnsigned((ulong)value);
    }

    /// <summary>Writes a replica id.</summary>
    public void WriteNode(NodeId node) => WriteSigned(node.Value);

    /// <summary>Writes a dot (replica, counter).</summary>
    public void WriteDot(Dot dot)
    {
        WriteNode(dot.Replica);
        WriteCount(dot.Counter);
    }

    /// <summary>Writes bytes prefixed by their length.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteCount(bytes.Length);
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    /// <summary>Writes a string as length-prefixed UTF-8.</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteBytes(Encoding.UTF8.GetBytes(value));
    }
}
