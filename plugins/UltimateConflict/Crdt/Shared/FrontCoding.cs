using System.Buffers;
using System.Text;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Crdt.Shared;

/// <summary>
/// Writes a sequence of strings front-coded: each as the length of the UTF-8 prefix it shares with the one before and the
/// bytes after it, in one header number (<c>shared * 16 + min(suffix, 15)</c>, then the rest of a long suffix's length).
/// A run of similar keys (sorted, or added in order) costs a byte or two each. Canonical: the shared prefix is always the
/// longest, which the reader checks.
/// </summary>
internal sealed class FrontCoder
{
    private byte[] _previous = [];
    private int _previousLength;

    /// <summary>Writes <paramref name="text"/> after the one written before.</summary>
    public void Write(CrdtWriter writer, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var current = rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented));
            var shared = current.CommonPrefixLength(_previous.AsSpan(0, _previousLength));
            var suffix = current[shared..];
            writer.WriteUnsigned(((ulong)shared << 4) | (uint)Math.Min(suffix.Length, 15));
            if (suffix.Length >= 15)
            {
                writer.WriteCount(suffix.Length - 15);
            }

            foreach (var b in suffix)
            {
                writer.WriteUnsigned(b);
            }

            if (_previous.Length < length)
            {
                _previous = new byte[Math.Max(length, _previous.Length * 2)];
            }

            current.CopyTo(_previous);
            _previousLength = length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>Reads what <see cref="FrontCoder"/> wrote, in the same order.</summary>
internal sealed class FrontDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly string _type;
    private byte[] _previous = new byte[16];
    private int _previousLength;

    /// <summary>A decoder for the states of <paramref name="type"/> (named in errors).</summary>
    public FrontDecoder(string type) => _type = type;

    /// <summary>Reads the next string.</summary>
    public string Read(ref CrdtReader reader)
    {
        var header = reader.ReadUnsigned();
        var shared = header >> 4;
        var suffix = (long)(header & 15);
        if (suffix == 15)
        {
            suffix += reader.ReadCount(reader.Remaining);
        }

        if (shared > (ulong)_previousLength || suffix > reader.Remaining)
        {
            throw new FormatException($"crdt/{_type} state has a front-coded string beyond its input.");
        }

        var length = (int)shared + (int)suffix;
        if (_previous.Length < length)
        {
            Array.Resize(ref _previous, Math.Max(length, _previous.Length * 2));
        }

        var at = (int)shared;
        for (var i = 0; i < suffix; i++)
        {
            var b = (byte)reader.ReadCount(byte.MaxValue);
            if (i == 0 && at < _previousLength && _previous[at] == b)
            {
                throw new FormatException($"crdt/{_type} state has a front-coded string whose shared prefix is not the longest (not canonical).");
            }

            _previous[at + i] = b;
        }

        _previousLength = length;
        try
        {
            return StrictUtf8.GetString(_previous, 0, length);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FormatException($"crdt/{_type} state has a string that is not valid UTF-8.", ex);
        }
    }
}
