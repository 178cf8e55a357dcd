using System.Text;
using Kernel.Storage.Codec;

namespace UltimateReplication.Shared;

/// <summary>The wire and file form of keys, versions and lists of them, shared by the modes' codecs and the store.</summary>
internal static class CellCodec
{
    private const int MaxItems = 1 << 20;

    public static void Key(BinaryOut w, string key) => w.Bytes(Encoding.UTF8.GetBytes(key));

    public static string Key(ref BinaryIn r) => Encoding.UTF8.GetString(r.BytesSpan());

    public static void Stamp(BinaryOut w, Stamp stamp)
    {
        w.Varint(stamp.Counter);
        w.Int(stamp.Node);
    }

    public static Stamp Stamp(ref BinaryIn r) => new(r.Varint(), r.Int());

    /// <summary>Keys with a version each (what a replica holds, without the values).</summary>
    public static void Stamps(BinaryOut w, IReadOnlyList<KeyValuePair<string, Stamp>> stamps)
    {
        w.UVarint((ulong)stamps.Count);
        foreach (var (key, stamp) in stamps)
        {
            Key(w, key);
            Stamp(w, stamp);
        }
    }

    public static KeyValuePair<string, Stamp>[] Stamps(ref BinaryIn r)
    {
        var stamps = new KeyValuePair<string, Stamp>[Count(ref r)];
        for (var i = 0; i < stamps.Length; i++)
        {
            stamps[i] = new(Key(ref r), Stamp(ref r));
        }

        return stamps;
    }

    public static void Cell(BinaryOut w, Cell cell)
    {
        Stamp(w, cell.Stamp);
        w.Bool(cell.Value is not null);
        w.Bytes(cell.Value ?? []);
    }

    public static Cell Cell(ref BinaryIn r)
    {
        var stamp = Stamp(ref r);
        var present = r.Bool();
        var value = r.Bytes();
        return new Cell(stamp, present ? value : null);
    }

    public static void Cells(BinaryOut w, IReadOnlyList<KeyValuePair<string, Cell>> cells)
    {
        w.UVarint((ulong)cells.Count);
        foreach (var (key, cell) in cells)
        {
            Key(w, key);
            Cell(w, cell);
        }
    }

    public static KeyValuePair<string, Cell>[] Cells(ref BinaryIn r)
    {
        var cells = new KeyValuePair<string, Cell>[Count(ref r)];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = new(Key(ref r), Cell(ref r));
        }

        return cells;
    }

    /// <summary>Key-range hashes (anti-entropy digests).</summary>
    public static void Hashes(BinaryOut w, IReadOnlyList<ulong> hashes)
    {
        w.UVarint((ulong)hashes.Count);
        foreach (var h in hashes)
        {
            w.UVarint(h);
        }
    }

    public static ulong[] Hashes(ref BinaryIn r)
    {
        var hashes = new ulong[Count(ref r)];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = r.UVarint();
        }

        return hashes;
    }

    /// <summary>Key-range numbers.</summary>
    public static void Ranges(BinaryOut w, IReadOnlyList<int> ranges)
    {
        w.UVarint((ulong)ranges.Count);
        foreach (var range in ranges)
        {
            w.Int(range);
        }
    }

    public static int[] Ranges(ref BinaryIn r)
    {
        var ranges = new int[Count(ref r)];
        for (var i = 0; i < ranges.Length; i++)
        {
            ranges[i] = r.Int();
        }

        return ranges;
    }

    /// <summary>A list's length, refused when it cannot fit in what is left (each item takes at least a byte).</summary>
    public static int Count(ref BinaryIn r)
    {
        var n = r.UVarint();
        return n <= MaxItems && n <= (ulong)r.Remaining ? (int)n : throw new FormatException($"A message claims {n} items in {r.Remaining} bytes.");
    }
}
