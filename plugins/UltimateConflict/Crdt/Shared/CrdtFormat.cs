using System.Globalization;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Crdt.Shared;

/// <summary>
/// What every state and delta of this plugin's types writes first (a format version byte) and the checks decoding makes,
/// so a state written by a later format is refused with a clear error instead of misread.
/// </summary>
internal static class CrdtFormat
{
    /// <summary>The format version every type writes today.</summary>
    public const byte Version = 1;

    /// <summary>Writes the version byte.</summary>
    public static void WriteHeader(CrdtWriter writer) => writer.WriteUnsigned(Version);

    /// <summary>Reads and checks the version byte of a state of <paramref name="type"/>.</summary>
    public static void ReadHeader(ref CrdtReader reader, string type)
    {
        var version = reader.ReadCount(byte.MaxValue);
        if (version != Version)
        {
            throw new FormatException($"crdt/{type} state has format version {version.ToString(CultureInfo.InvariantCulture)}; this plugin reads version {Version}.");
        }
    }

    /// <summary>Writes a sorted dot array as a count and the dots.</summary>
    public static void WriteDots(CrdtWriter writer, ReadOnlySpan<Dot> dots)
    {
        writer.WriteCount(dots.Length);
        foreach (var dot in dots)
        {
            writer.WriteDot(dot);
        }
    }

    /// <summary>Reads what <see cref="WriteDots"/> wrote; the dots must be sorted, unique and seen by <paramref name="context"/>.</summary>
    public static Dot[] ReadDots(ref CrdtReader reader, CausalContext context, string type, bool allowEmpty = false)
    {
        var count = (int)reader.ReadCount(reader.Remaining);
        if (count == 0 && !allowEmpty)
        {
            throw new FormatException($"crdt/{type} state has an entry without dots (not canonical).");
        }

        var dots = count == 0 ? [] : new Dot[count];
        for (var i = 0; i < count; i++)
        {
            dots[i] = reader.ReadDot();
            if (dots[i].Counter <= 0 || (i > 0 && dots[i - 1].CompareTo(dots[i]) >= 0) || !context.Contains(dots[i]))
            {
                throw new FormatException($"crdt/{type} state has dots that are not sorted, unique and in its causal context.");
            }
        }

        return dots;
    }

    /// <summary>Throws unless each key is greater than the one before (ordinal): sorted and unique, so canonical.</summary>
    public static void CheckAscending(string? previous, string key, string type)
    {
        if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
        {
            throw new FormatException($"crdt/{type} state has keys that are not sorted and unique (not canonical).");
        }
    }

    /// <summary>Throws a <see cref="FormatException"/> when <paramref name="text"/> is longer than <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static void CheckSize(string text, int maxBytes, string what, string option)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(text);
        if (bytes > maxBytes)
        {
            throw new FormatException($"{what} is {bytes.ToString(CultureInfo.InvariantCulture)} bytes; option '{option}' allows at most {maxBytes.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}
