using System.Buffers;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.MultiMaster;

/// <summary>What happens to concurrent versions a replica meets.</summary>
internal enum Reconciliation
{
    /// <summary>The configured resolver (or the built-in last-writer-wins) decides, the same on every replica.</summary>
    Resolve,

    /// <summary>A deliberate bug for the tests: the version a replica had first stays (resolution by arrival order).</summary>
    FirstArrivalWins,
}

/// <summary>
/// The sibling sets of multi-master keys: merging two sets (causally dominated versions superseded, concurrent ones
/// resolved), the built-in total order, and the canonical encoding shared by files, messages and range hashes.
/// </summary>
internal static class SiblingSets
{
    private const int MaxSiblings = 1 << 16;

    /// <summary>
    /// The built-in order, also the last-writer-wins rule when no resolver is configured: the higher timestamp, then the
    /// greater replica id, then the greater clock (lexicographically), then a present value over a tombstone, then the
    /// greater bytes. Total: zero only for versions alike in every field.
    /// </summary>
    public static int Compare(KeyVersion a, KeyVersion b)
    {
        var c = a.Timestamp.CompareTo(b.Timestamp);
        if (c == 0)
        {
            c = a.Replica.CompareTo(b.Replica);
        }

        if (c == 0)
        {
            c = CompareClocks(a.Clock, b.Clock);
        }

        if (c == 0)
        {
            c = (a.Value is not null).CompareTo(b.Value is not null);
        }

        return c != 0 ? c : a.Value.AsSpan().SequenceCompareTo(b.Value.AsSpan());
    }

    /// <summary>The version a read sees among siblings: the greatest by <see cref="Compare"/>.</summary>
    public static KeyVersion Latest(IReadOnlyList<KeyVersion> versions) => versions.Aggregate((a, b) => Compare(a, b) >= 0 ? a : b);

    /// <summary>The clock a new write on top of <paramref name="versions"/> starts from: every version's clock merged.</summary>
    public static VersionVector Seen(IReadOnlyList<KeyVersion>? versions) =>
        versions is null ? VersionVector.Empty : versions.Aggregate(VersionVector.Empty, (c, v) => c.Merge(v.Clock));

    /// <summary>
    /// The versions to keep of <paramref name="mine"/> and <paramref name="theirs"/>: of equal clocks the greatest by
    /// <see cref="Compare"/>; a version whose clock another's strictly dominates is superseded; two or more concurrent ones
    /// are resolved by <paramref name="resolver"/> (null: the built-in last-writer-wins). A single winner carries the
    /// merged clock of every version it was resolved over, so it supersedes them wherever it goes; siblings keep their
    /// own clocks. The result is in canonical order.
    /// </summary>
    public static KeyVersion[] Merge(string key, IReadOnlyList<KeyVersion>? mine, IReadOnlyList<KeyVersion> theirs, IConflictResolver? resolver, Reconciliation how)
    {
        var all = (mine ?? []).Concat(theirs)
            .GroupBy(v => v.Clock)
            .Select(g => g.Aggregate((a, b) => Compare(a, b) >= 0 ? a : b))
            .ToList();
        var maximal = all.Where(v => !all.Any(u => u.Clock.Compare(v.Clock) == VersionOrder.After)).ToList();
        if (maximal.Count <= 1)
        {
            return [.. maximal];
        }

        if (how == Reconciliation.FirstArrivalWins && mine is { Count: > 0 })
        {
            var kept = maximal.Where(v => mine.Contains(v)).ToList();
            if (kept.Count > 0)
            {
                return Canonical(kept);
            }
        }

        var clock = Seen(maximal);
        if (resolver is null)
        {
            return [Latest(maximal) with { Clock = clock }];
        }

        var resolution = Resolve(key, maximal, resolver);
        return resolution.Count == 1 ? [resolution[0] with { Clock = clock }] : Canonical(resolution);
    }

    /// <summary>
    /// Asks the resolver about concurrent versions. Tombstones travel as empty values; a kept version that is one of the
    /// inputs (same writer, timestamp, clock and bytes) comes back as that input, a tombstone included; any other (a
    /// merge) is a new present value.
    /// </summary>
    public static List<KeyVersion> Resolve(string key, IReadOnlyList<KeyVersion> versions, IConflictResolver resolver)
    {
        var resolution = resolver.Resolve(new Conflict(key, [.. versions.Select(v => v.ToVersionedValue())], null));
        var kept = new List<KeyVersion>();
        foreach (var k in resolution.Kept)
        {
            var input = versions.FirstOrDefault(v => v.Replica == k.Replica && v.Timestamp == k.Timestamp && v.Clock.Equals(k.Clock)
                && k.Value.Span.SequenceEqual(v.Value.AsSpan()));
            kept.Add(input ?? new KeyVersion(k.Replica, k.Timestamp, k.Clock, k.Value.ToArray()));
        }

        return kept;
    }

    /// <summary>The versions sorted by <see cref="Compare"/>, duplicates removed: one sibling set, one order.</summary>
    public static KeyVersion[] Canonical(IEnumerable<KeyVersion> versions)
    {
        var sorted = versions.ToList();
        sorted.Sort(Compare);
        return [.. sorted.Where((v, i) => i == 0 || Compare(sorted[i - 1], v) != 0)];
    }

    public static void Encode(BinaryOut w, IReadOnlyList<KeyVersion> versions)
    {
        w.UVarint((ulong)versions.Count);
        foreach (var v in versions)
        {
            w.Node(v.Replica);
            w.Varint(v.Timestamp);
            var clock = new CrdtWriter();
            v.Clock.Encode(clock);
            w.Bytes(clock.Written);
            w.Bool(v.Value is not null);
            w.Bytes(v.Value ?? []);
        }
    }

    public static KeyVersion[] Decode(ref BinaryIn r)
    {
        var n = CellCodec.Count(ref r);
        if (n > MaxSiblings)
        {
            throw new FormatException($"A key claims {n} siblings; at most {MaxSiblings} are read.");
        }

        var versions = new KeyVersion[n];
        for (var i = 0; i < n; i++)
        {
            var replica = r.Node();
            var timestamp = r.Varint();
            var clockReader = new CrdtReader(r.BytesSpan());
            var clock = VersionVector.Decode(ref clockReader);
            clockReader.ExpectEnd();
            var present = r.Bool();
            var value = r.Bytes();
            versions[i] = new KeyVersion(replica, timestamp, clock, present ? value : null);
        }

        return versions;
    }

    /// <summary>The canonical bytes of a sibling set (for equality and hashing).</summary>
    public static byte[] Bytes(IReadOnlyList<KeyVersion> versions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Encode(new BinaryOut(buffer), versions);
        return buffer.WrittenSpan.ToArray();
    }

    private static int CompareClocks(VersionVector a, VersionVector b)
    {
        var n = Math.Min(a.Entries.Count, b.Entries.Count);
        for (var i = 0; i < n; i++)
        {
            var c = a.Entries[i].Key.CompareTo(b.Entries[i].Key);
            if (c == 0)
            {
                c = a.Entries[i].Value.CompareTo(b.Entries[i].Value);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return a.Entries.Count.CompareTo(b.Entries.Count);
    }
}
