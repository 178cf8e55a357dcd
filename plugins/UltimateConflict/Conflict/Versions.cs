using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Conflict;

/// <summary>
/// What every strategy of this folder does with versions: compare them by content (a <see cref="VersionedValue"/>'s
/// record equality compares its bytes by reference), order them canonically, and print them for explanations.
/// </summary>
internal static class Versions
{
    /// <summary>A version in an explanation: <c>n2@17 {n1:3, n2:5} "text"</c> (the value through <see cref="ByteText"/>).</summary>
    public static string Format(VersionedValue version) =>
        string.Create(CultureInfo.InvariantCulture, $"{Label(version)} {version.Clock} {ByteText.Format(version.Value.Span)}");

    /// <summary>The short label of a version: <c>n2@17</c> (replica and timestamp), as conflict markers show it.</summary>
    public static string Label(VersionedValue version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version.Replica}@{version.Timestamp}");

    /// <summary>Versions in an explanation, separated by <c> | </c>.</summary>
    public static string FormatAll(IEnumerable<VersionedValue> versions) => string.Join(" | ", versions.Select(Format));

    /// <summary>True when both have the same replica, timestamp, clock and value bytes.</summary>
    public static bool SameContent(VersionedValue a, VersionedValue b) =>
        a.Replica == b.Replica && a.Timestamp == b.Timestamp && a.Clock.Equals(b.Clock) && a.Value.Span.SequenceEqual(b.Value.Span);

    /// <summary>Orders version vectors lexicographically by their sorted entries: a total order, unrelated to causality.</summary>
    public static int CompareClocks(VersionVector a, VersionVector b)
    {
        var x = a.Entries;
        var y = b.Entries;
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            var c = x[i].Key.CompareTo(y[i].Key);
            if (c != 0)
            {
                return c;
            }

            c = x[i].Value.CompareTo(y[i].Value);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Count.CompareTo(y.Count);
    }

    /// <summary>
    /// The canonical order, the same on every replica whatever the order versions arrive in: replica id, timestamp, clock,
    /// value bytes. Two versions it calls equal have the same content.
    /// </summary>
    public static int CompareCanonical(VersionedValue a, VersionedValue b)
    {
        var c = a.Replica.CompareTo(b.Replica);
        if (c == 0)
        {
            c = a.Timestamp.CompareTo(b.Timestamp);
        }

        if (c == 0)
        {
            c = CompareClocks(a.Clock, b.Clock);
        }

        return c != 0 ? c : a.Value.Span.SequenceCompareTo(b.Value.Span);
    }

    /// <summary>The versions in canonical order with content duplicates removed (a version delivered twice is one version).</summary>
    public static VersionedValue[] Distinct(IReadOnlyList<VersionedValue> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.Count == 0)
        {
            throw new ArgumentException("A conflict has at least one version.", nameof(versions));
        }

        var sorted = versions.ToArray();
        foreach (var v in sorted)
        {
            ArgumentNullException.ThrowIfNull(v, nameof(versions));
        }

        Array.Sort(sorted, CompareCanonical);
        var kept = new List<VersionedValue>(sorted.Length);
        foreach (var v in sorted)
        {
            if (kept.Count == 0 || !SameContent(kept[^1], v))
            {
                kept.Add(v);
            }
        }

        return [.. kept];
    }

    /// <summary>The least clock that has seen every version's clock (what a merged version carries).</summary>
    public static VersionVector MergeClocks(IEnumerable<VersionedValue> versions) =>
        versions.Aggregate(VersionVector.Empty, (clock, v) => clock.Merge(v.Clock));

    /// <summary>A merged version: <paramref name="value"/> written as by <paramref name="attributedTo"/>, with the latest timestamp and the merged clock of <paramref name="merged"/>.</summary>
    public static VersionedValue Merged(IReadOnlyList<VersionedValue> merged, VersionedValue attributedTo, ReadOnlyMemory<byte> value) =>
        new(attributedTo.Replica, value, merged.Max(v => v.Timestamp), MergeClocks(merged));
}
