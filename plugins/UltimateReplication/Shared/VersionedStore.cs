using System.Buffers;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Storage;
using Kernel.Storage.Codec;
using Kernel.Storage.Records;

namespace UltimateReplication.Shared;

/// <summary>A key's version as a replica holds it: its stamp and value (null: a tombstone, the key deleted at that version).</summary>
/// <param name="Stamp">The version.</param>
/// <param name="Value">The value's bytes, or null for a deletion.</param>
internal readonly record struct Cell(Stamp Stamp, byte[]? Value)
{
    /// <summary>The value as a model reads it: null for a tombstone (never an empty value).</summary>
    public ReadOnlyMemory<byte>? Current => Value is { } v ? new ReadOnlyMemory<byte>(v) : (ReadOnlyMemory<byte>?)null; // typed: an untyped null would convert to an empty value
}

/// <summary>
/// A replica's keys, each at its highest version (a newer stamp replaces an older one, never the reverse), with the
/// files to write for what changed and a hash per key range for anti-entropy. Each key lives in its own checksummed file,
/// replaced atomically (<see cref="ChecksummedFile"/>), so a crash leaves every key at a version it had.
/// </summary>
internal sealed class VersionedStore
{
    /// <summary>The number of key ranges (hashed) anti-entropy compares.</summary>
    public const int Ranges = 64;

    internal const string Prefix = "key.";
    private const uint Magic = 0x5256534B; // "KSVR"
    private const int MaxPlainNameBytes = 96;
    private readonly Dictionary<string, Held> _cells = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly ulong[] _rangeHashes = new ulong[Ranges];

    private readonly record struct Held(Cell Cell, ulong Hash);

    /// <summary>The number of keys held (tombstones included).</summary>
    public int Count => _cells.Count;

    /// <summary>The highest counter of any version held (0 when empty).</summary>
    public long MaxCounter { get; private set; }

    /// <summary>True when changes wait to be written.</summary>
    public bool HasDirty => _dirty.Count > 0;

    /// <summary>Reads every key file of a replica's directory.</summary>
    /// <exception cref="StorageCorruptedException">A key file fails its checksum or does not decode.</exception>
    public static VersionedStore Recover(IDurableDirectory directory)
    {
        var store = new VersionedStore();
        foreach (var name in directory.List().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var (key, cell) = ChecksummedFile.Read(directory, name, Magic, "Replica key file", Decode);
            store.Put(key, cell);
        }

        return store;
    }

    /// <summary>The key's version, or null when the replica has none.</summary>
    public Cell? Get(string key) => _cells.TryGetValue(key, out var held) ? held.Cell : null;

    /// <summary>Keeps <paramref name="cell"/> when it is newer than the key's version; true when it was kept (and is to be written).</summary>
    public bool Offer(string key, Cell cell)
    {
        if (_cells.TryGetValue(key, out var held) && held.Cell.Stamp >= cell.Stamp)
        {
            return false;
        }

        Put(key, cell);
        _dirty.Add(key);
        return true;
    }

    /// <summary>Sets the key's version whatever it was (a value that merges rather than replaces, such as a CRDT state), to be written.</summary>
    public void Replace(string key, Cell cell)
    {
        Put(key, cell);
        _dirty.Add(key);
    }

    /// <summary>Keeps each of <paramref name="cells"/> that is newer than the key's version; returns their stamps by key.</summary>
    public Dictionary<string, Stamp> OfferAll(IReadOnlyList<KeyValuePair<string, Cell>> cells)
    {
        var theirs = new Dictionary<string, Stamp>(StringComparer.Ordinal);
        foreach (var (key, cell) in cells)
        {
            Offer(key, cell);
            theirs[key] = cell.Stamp;
        }

        return theirs;
    }

    /// <summary>The keys of the given ranges whose version here is newer than <paramref name="theirs"/> (absent there counts as older): what a peer that sent them lacks.</summary>
    public IReadOnlyList<KeyValuePair<string, Cell>> NewerIn(IReadOnlyCollection<int> ranges, IReadOnlyDictionary<string, Stamp> theirs) =>
        [.. InRanges(ranges).Where(p => !theirs.TryGetValue(p.Key, out var stamp) || stamp < p.Value.Stamp)];

    /// <summary>Every key and version, in key order.</summary>
    public IEnumerable<KeyValuePair<string, Cell>> All() =>
        _cells.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new KeyValuePair<string, Cell>(p.Key, p.Value.Cell));

    /// <summary>Every key whose version's counter is above <paramref name="counter"/>, in key order: what a replica that has seen everything up to it lacks.</summary>
    public IReadOnlyList<KeyValuePair<string, Cell>> Since(long counter) => [.. All().Where(p => p.Value.Stamp.Counter > counter)];

    /// <summary>The keys and versions of the given key ranges, in key order.</summary>
    public IReadOnlyList<KeyValuePair<string, Cell>> InRanges(IReadOnlyCollection<int> ranges)
    {
        var wanted = ranges.ToHashSet();
        return [.. All().Where(p => wanted.Contains(RangeOf(p.Key)))];
    }

    /// <summary>The hash of every key range: equal when two replicas hold the same versions of the same keys.</summary>
    public ulong[] RangeHashes() => (ulong[])_rangeHashes.Clone();

    /// <summary>The ranges whose hashes differ from <paramref name="theirs"/> (all of them when its length is wrong).</summary>
    public IReadOnlyList<int> DifferingRanges(IReadOnlyList<ulong> theirs) =>
        theirs.Count != Ranges ? [.. Enumerable.Range(0, Ranges)] : [.. Enumerable.Range(0, Ranges).Where(i => _rangeHashes[i] != theirs[i])];

    /// <summary>Adds the files for every changed key (name, checksummed bytes) to <paramref name="writes"/>.</summary>
    public void CollectWrites(List<KeyValuePair<string, ReadOnlyMemory<byte>>> writes)
    {
        foreach (var key in _dirty)
        {
            writes.Add(new(FileName(key), Encode(key, _cells[key].Cell)));
        }
    }

    /// <summary>Marks the keys of files that were written as durable.</summary>
    public void Written(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> writes)
    {
        if (writes.Count == 0)
        {
            return;
        }

        var names = writes.Select(w => w.Key).ToHashSet(StringComparer.Ordinal);
        _dirty.RemoveWhere(k => names.Contains(FileName(k)));
    }

    /// <summary>The present keys (tombstones left out) as the SDK's versions.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents()
    {
        var contents = new Dictionary<string, IReadOnlyList<VersionedValue>>(StringComparer.Ordinal);
        foreach (var (key, held) in _cells)
        {
            if (held.Cell.Value is { } value)
            {
                contents[key] = [new VersionedValue(new NodeId(held.Cell.Stamp.Node), value, held.Cell.Stamp.Counter, VersionVector.Empty)];
            }
        }

        return contents;
    }

    /// <summary>The key range a key falls in (by hash).</summary>
    public static int RangeOf(string key) => (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key)) % Ranges);

    /// <summary>The file a key lives in: its UTF-8 bytes in hex, or a SHA-256 of them for a long key (the key is inside the file).</summary>
    internal static string FileName(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return bytes.Length <= MaxPlainNameBytes
            ? Prefix + Convert.ToHexStringLower(bytes)
            : Prefix + "h" + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private void Put(string key, Cell cell)
    {
        var range = RangeOf(key);
        if (_cells.TryGetValue(key, out var old))
        {
            _rangeHashes[range] ^= old.Hash;
        }

        var hash = HashOf(key, cell);
        _rangeHashes[range] ^= hash;
        _cells[key] = new Held(cell, hash);
        MaxCounter = Math.Max(MaxCounter, cell.Stamp.Counter);
    }

    private static ulong HashOf(string key, Cell cell)
    {
        var hash = new XxHash64();
        hash.Append(Encoding.UTF8.GetBytes(key));
        Span<byte> stamp = stackalloc byte[13];
        BitConverter.TryWriteBytes(stamp, cell.Stamp.Counter);
        BitConverter.TryWriteBytes(stamp[8..], cell.Stamp.Node);
        stamp[12] = cell.Value is null ? (byte)0 : (byte)1;
        hash.Append(stamp);
        hash.Append(cell.Value ?? []);
        return hash.GetCurrentHashAsUInt64();
    }

    private static byte[] Encode(string key, Cell cell)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new BinaryOut(buffer);
        CellCodec.Key(w, key);
        CellCodec.Cell(w, cell);
        return ChecksummedFile.Encode(Magic, buffer.WrittenSpan);
    }

    private static (string Key, Cell Cell) Decode(ReadOnlySpan<byte> payload)
    {
        var r = new BinaryIn(payload);
        var key = CellCodec.Key(ref r);
        var cell = CellCodec.Cell(ref r);
        r.End();
        return (key, cell);
    }
}
