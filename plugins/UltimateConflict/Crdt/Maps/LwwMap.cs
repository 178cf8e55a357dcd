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
/// <remarks>
/// Pruning a removed replica drops its entry from the context and keeps its last event as a mark (<see cref="Pruned"/>);
/// every merge first drops what a mark covers from the other side's context. Its writes stay: the replica id in a write
/// is that write's identity (the tie-break), not a replica entry.
/// </remarks>
internal sealed class LwwMap : IDeltaReplicatedData<LwwMap, LwwMap>, IEquatable<LwwMap>
{
    private readonly (string Key, LwwWrite Write)[] _entries;

    private LwwMap((string Key, LwwWrite Write)[] entries, CausalContext context, VersionVector? pruned = null)
    {
        _entries = entries;
        Context = context;
        Pruned = pruned ?? VersionVector.Empty;
    }

    public static LwwMap Empty { get; } = new([], CausalContext.Empty);

    /// <summary>The dots of the writes seen.</summary>
    public CausalContext Context { get; }

    /// <summary>For each pruned replica, its last event when it was pruned.</summary>
    public VersionVector Pruned { get; }

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

    /// <summary>The delta of pruning the removed replica <paramref name="removed"/> (by any replica but itself).</summary>
    public LwwMap PruneDelta(NodeId removed, NodeId into)
    {
        var last = Context.Last(removed);
        return removed == into || last == 0 ? Empty : new LwwMap([], CausalContext.Empty, VersionVector.Empty.With(removed, last));
    }

    /// <inheritdoc />
    public LwwMap Merge(LwwMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var pruned = Pruned.Merge(other.Pruned);
        var mine = Strip(pruned);
        other = other.Strip(pruned);
        if (mine.Context.Covers(other.Context))
        {
            return mine;
        }

        if (other.Context.Covers(mine.Context))
        {
            return other;
        }

        var a = mine._entries;
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
        return new LwwMap(merged, mine.Context.Merge(other.Context), pruned);
    }

    /// <inheritdoc />
    public LwwMap MergeDelta(LwwMap delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        Context.Encode(writer);
        Pruned.Encode(writer);
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
        var pruned = VersionVector.Decode(ref reader);
        if (context.HoldsPruned(pruned))
        {
            throw new FormatException("crdt/lww-map state holds events of a pruned replica up to its mark (not canonical).");
        }

        var entries = new (string Key, LwwWrite Write)[reader.ReadCount(reader.Remaining)];
        var decoder = new FrontDecoder("lww-map");
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = (decoder.Read(ref reader), LwwWrite.Decode(ref reader));
            CrdtFormat.CheckAscending(i == 0 ? null : entries[i - 1].Key, entries[i].Key, "lww-map");
        }

        return new LwwMap(entries, context, pruned);
    }

    /// <inheritdoc />
    public bool Equals(LwwMap? other) =>
        other is not null && Context.Equals(other.Context) && Pruned.Equals(other.Pruned) && _entries.AsSpan().SequenceEqual(other._entries);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LwwMap);

    /// <inheritdoc />
    public override int GetHashCode() => Context.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", Values.Select(kv => $"{kv.Key}={kv.Value}")) + "}";

    private LwwMap Strip(VersionVector pruned)
    {
        if (Context.HoldsPruned(pruned))
        {
            return new LwwMap(_entries, Context.WithoutPruned(pruned), pruned);
        }

        return pruned.Equals(Pruned) ? this : new LwwMap(_entries, Context, pruned);
    }

    private int IndexOf(string key) => Sorted.IndexOf<(string Key, LwwWrite Write)>(_entries, key, e => e.Key);
}
