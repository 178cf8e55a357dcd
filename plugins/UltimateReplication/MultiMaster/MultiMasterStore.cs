using System.Buffers;
using System.IO.Hashing;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Storage.Codec;
using Kernel.Storage.Records;
using UltimateReplication.Shared;

namespace UltimateReplication.MultiMaster;

/// <summary>A key and its sibling set, as pushes and repairs carry them.</summary>
/// <param name="Key">The key.</param>
/// <param name="Versions">Its versions (one, or siblings), canonical order.</param>
internal readonly record struct KeyVersions(string Key, KeyVersion[] Versions);

/// <summary>
/// A multi-master replica's keys, each with its sibling set, in one checksummed file per key replaced atomically (the
/// shared store's file names and key ranges). Every change gets a local change number, so a peer can be sent what changed
/// since the number it acknowledged; each key range has a hash for anti-entropy.
/// </summary>
internal sealed class MultiMasterStore
{
    private const uint Magic = 0x4D4D534B; // "KSMM"
    private readonly Dictionary<string, Held> _keys = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, string> _byChange = [];
    private readonly SortedSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly ulong[] _rangeHashes = new ulong[VersionedStore.Ranges];

    private sealed record Held(KeyVersion[] Versions, byte[] Bytes, ulong Hash, long Change);

    /// <summary>The last local change number (0: none since start).</summary>
    public long LastChange { get; private set; }

    /// <summary>The highest timestamp of any version held.</summary>
    public long MaxTimestamp { get; private set; }

    /// <summary>True when changes wait to be written.</summary>
    public bool HasDirty => _dirty.Count > 0;

    /// <summary>Reads every key file of a replica's directory; every key counts as changed since 0 (so it is offered to peers).</summary>
    /// <exception cref="StorageCorruptedException">A key file fails its checksum or does not decode.</exception>
    public static MultiMasterStore Recover(IDurableDirectory directory)
    {
        var store = new MultiMasterStore();
        foreach (var name in directory.List().Where(n => n.StartsWith(VersionedStore.Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var (key, versions) = ChecksummedFile.Read(directory, name, Magic, "Multi-master key file", Decode);
            store.Put(key, versions);
        }

        return store;
    }

    /// <summary>The key's versions, or null when the replica has none.</summary>
    public KeyVersion[]? Get(string key) => _keys.TryGetValue(key, out var held) ? held.Versions : null;

    /// <summary>Replaces the key's versions; true when they changed (and are to be written and offered to peers).</summary>
    public bool Set(string key, KeyVersion[] versions)
    {
        if (versions.Length == 0 || (_keys.TryGetValue(key, out var held) && held.Bytes.AsSpan().SequenceEqual(SiblingSets.Bytes(versions))))
        {
            return false;
        }

        Put(key, versions);
        _dirty.Add(key);
        return true;
    }

    /// <summary>Keys changed after <paramref name="change"/>, in change order, at most <paramref name="max"/>, and the change number of the last one.</summary>
    public (List<KeyVersions> Keys, long Through) Since(long change, int max)
    {
        var keys = new List<KeyVersions>();
        var through = change;
        foreach (var (n, key) in _byChange.Where(p => p.Key > change))
        {
            if (keys.Count == max)
            {
                return (keys, through);
            }

            keys.Add(new KeyVersions(key, _keys[key].Versions));
            through = n;
        }

        return (keys, LastChange);
    }

    /// <summary>The keys of the given key ranges, in key order.</summary>
    public List<KeyVersions> InRanges(IReadOnlyCollection<int> ranges)
    {
        var wanted = ranges.ToHashSet();
        return [.. _keys.Where(p => wanted.Contains(VersionedStore.RangeOf(p.Key))).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new KeyVersions(p.Key, p.Value.Versions))];
    }

    /// <summary>The hash of every key range: equal when two replicas hold the same sibling sets of the same keys.</summary>
    public ulong[] RangeHashes() => (ulong[])_rangeHashes.Clone();

    /// <summary>The ranges whose hashes differ from <paramref name="theirs"/> (all of them when its length is wrong).</summary>
    public int[] DifferingRanges(IReadOnlyList<ulong> theirs) =>
        [.. Enumerable.Range(0, VersionedStore.Ranges).Where(i => theirs.Count != VersionedStore.Ranges || _rangeHashes[i] != theirs[i])];

    /// <summary>Adds the files for every changed key (name, checksummed bytes) to <paramref name="writes"/>.</summary>
    public void CollectWrites(List<KeyValuePair<string, ReadOnlyMemory<byte>>> writes)
    {
        foreach (var key in _dirty)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var w = new BinaryOut(buffer);
            CellCodec.Key(w, key);
            w.Bytes(_keys[key].Bytes);
            writes.Add(new(VersionedStore.FileName(key), ChecksummedFile.Encode(Magic, buffer.WrittenSpan)));
        }
    }

    /// <summary>Marks the keys of files that were written as durable.</summary>
    public void Written(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> writes)
    {
        if (writes.Count > 0)
        {
            var names = writes.Select(w => w.Key).ToHashSet(StringComparer.Ordinal);
            _dirty.RemoveWhere(k => names.Contains(VersionedStore.FileName(k)));
        }
    }

    /// <summary>Each key's present versions (tombstones left out; a key with none is absent) as the SDK's versions.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents()
    {
        var contents = new Dictionary<string, IReadOnlyList<VersionedValue>>(StringComparer.Ordinal);
        foreach (var (key, held) in _keys)
        {
            var present = held.Versions.Where(v => v.Value is not null).Select(v => v.ToVersionedValue()).ToList();
            if (present.Count > 0)
            {
                contents[key] = present;
            }
        }

        return contents;
    }

    private void Put(string key, KeyVersion[] versions)
    {
        var range = VersionedStore.RangeOf(key);
        if (_keys.TryGetValue(key, out var old))
        {
            _rangeHashes[range] ^= old.Hash;
            _byChange.Remove(old.Change);
        }

        var bytes = SiblingSets.Bytes(versions);
        var hash = new XxHash64();
        hash.Append(System.Text.Encoding.UTF8.GetBytes(key));
        hash.Append(bytes);
        var h = hash.GetCurrentHashAsUInt64();
        _rangeHashes[range] ^= h;
        _keys[key] = new Held(versions, bytes, h, ++LastChange);
        _byChange[LastChange] = key;
        MaxTimestamp = Math.Max(MaxTimestamp, versions.Max(v => v.Timestamp));
    }

    private static (string Key, KeyVersion[] Versions) Decode(ReadOnlySpan<byte> payload)
    {
        var r = new BinaryIn(payload);
        var key = CellCodec.Key(ref r);
        var inner = new BinaryIn(r.BytesSpan());
        var versions = SiblingSets.Decode(ref inner);
        inner.End();
        r.End();
        return versions.Length > 0 ? (key, versions) : throw new FormatException($"Key '{key}' has no versions.");
    }
}
