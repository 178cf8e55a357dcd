using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Registers;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Maps;

/// <summary>
/// A map of last-writer-wins registers: each key holds its latest write (a remove is a write of a tombstone, kept so a
/// later-arriving older write cannot bring the key back). Each write also has a dot, and the causal context of all of
/// them makes the state a function of the writes seen (a dot arrives only with its write, in a state or a delta, never
/// as an overwritten dot alone): a merge with a state this one covers returns it at once.
/// </summary>
internal sealed class LwwMap : IDeltaReplicatedData<LwwMap, LwwMap>, IEquatable<LwwMap>
{
    private readonly (string Key, LwwWrite Write)[] _entries;

    private LwwMap((string Key, LwwWrite Write)[] entries, CausalContext context)
    {
        _entries = entries;
        Context = context;
    }

    public static LwwMap Empty { get; } = new([], CausalContext.Empty);

    /// <summary>The dots of the writes seen.</summary>
    public CausalContext Context { get; }

    /// <summary>The keys with a value (not removed), sorted, and their values.</summary>
    public IEnumerable<KeyValuePair<string, string>> Values =>
        _entries.Where(e => e.Write.Value is not null).Select(e => KeyValuePair.Create(e.Key, e.Write.Value!));

    /// <summary>The delta of <paramref name="replica"/> writing <paramref name="value"/> (null: removing) under <paramref name="key"/>.</summary>
    public LwwMap WriteDelta(NodeId replica, long physicalMillis, string key, string? value)
    {
        var at = IndexOf(key);
        var clock = Hlc.Tick(physicalMillis, at >= 0 ? _entries[at].Write.Clock : default);
        return new LwwMap([(key, new LwwWrite(clock, replica, value))], CausalContext.From(VersionVector.Empty, [Context.Next(replica)]));
    }

    /// <inheritdoc />
    public LwwMap Merge(LwwMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Context.Covers(other.Context))
        {
            return this;
        }

        if (other.Context.Covers(Context))
        {
            return other;
        }

        var a = _entries;
        var b = other._entries;
        var merged = new (string Key, LwwWrite Write)[a.Length + b.Length];
        int i = 0, j = 0, n = 0;
        while (i < a.Length || j < b.Length)
        {
            var cmp = i == a.Length ? 1 : j == b.Length ? -1 : string.CompareOrdinal(a[i].Key, b[j].Key);
            merged[n++] = cmp == 0 ? (a[i].Key, LwwWrite.Max(a[i].Write, b[j].Write)) : cmp < 0 ? a[i] : b[j];
            i += cmp <= 0 ? 1 : 0;
            j += cmp >= 0 ? 1 : 0;
        }

        Array.Resize(ref merged, n);
        return new LwwMap(merged, Context.Merge(other.Context));
    }

    /// <inheritdoc />
    public LwwMap MergeDelta(LwwMap delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        Context.Encode(writer);
        writer.WriteCount(_entries.Length);
        var coder = new FrontCoder();
        foreach (var (key, write) in _entries)
        {
            coder.Write(writer, key);
            write.Encode(writer);
        }
    }

    /// <inheritdoc />
    public static LwwMap Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, "lww-map");
        var context = CausalContext.Decode(ref reader);
        var entries = new (string Key, LwwWrite Write)[reader.ReadCount(reader.Remaining)];
        var decoder = new FrontDecoder("lww-map");
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = (decoder.Read(ref reader), LwwWrite.Decode(ref reader));
            CrdtFormat.CheckAscending(i == 0 ? null : entries[i - 1].Key, entries[i].Key, "lww-map");
        }

        return new LwwMap(entries, context);
    }

    /// <inheritdoc />
    public bool Equals(LwwMap? other) => other is not null && Context.Equals(other.Context) && _entries.AsSpan().SequenceEqual(other._entries);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LwwMap);

    /// <inheritdoc />
    public override int GetHashCode() => Context.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", Values.Select(kv => $"{kv.Key}={kv.Value}")) + "}";

    private int IndexOf(string key)
    {
        int lo = 0, hi = _entries.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var cmp = string.CompareOrdinal(_entries[mid].Key, key);
            if (cmp == 0)
            {
                return mid;
            }

            if (cmp < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }
}
