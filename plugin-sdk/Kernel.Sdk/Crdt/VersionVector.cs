using System.Globalization;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// A version vector: for each replica, how many of its events have been seen. Immutable; entries are kept sorted by
/// replica with zero counters left out, so equal vectors have equal entries and equal encodings.
/// </summary>
public sealed class VersionVector : IEquatable<VersionVector>
{
    private readonly KeyValuePair<NodeId, long>[] _entries;

    private VersionVector(KeyValuePair<NodeId, long>[] entries) => _entries = entries;

    /// <summary>The vector that has seen nothing.</summary>
    public static VersionVector Empty { get; } = new([]);

    /// <summary>The non-zero counters, sorted by replica.</summary>
    public IReadOnlyList<KeyValuePair<NodeId, long>> Entries => _entries;

    /// <summary>A vector from counters (a replica named twice keeps the greater; zeros are dropped; negatives throw).</summary>
    public static VersionVector From(IEnumerable<KeyValuePair<NodeId, long>> counters)
    {
        ArgumentNullException.ThrowIfNull(counters);
        var map = new SortedDictionary<NodeId, long>();
        foreach (var (replica, counter) in counters)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(counter);
            if (counter > 0 && counter > map.GetValueOrDefault(replica))
            {
                map[replica] = counter;
            }
        }

        return map.Count == 0 ? Empty : new VersionVector([.. map]);
    }

    /// <summary>How many of <paramref name="replica"/>'s events this vector has seen.</summary>
    public long this[NodeId replica]
    {
        get
        {
            var i = IndexOf(replica);
            return i >= 0 ? _entries[i].Value : 0;
        }
    }

    /// <summary>True when the vector has seen <paramref name="dot"/>.</summary>
    public bool Contains(Dot dot) => this[dot.Replica] >= dot.Counter;

    /// <summary>The vector with <paramref name="replica"/>'s next event added, and that event's dot.</summary>
    public VersionVector Increment(NodeId replica, out Dot dot)
    {
        dot = new Dot(replica, checked(this[replica] + 1));
        return With(replica, dot.Counter);
    }

    /// <summary>The vector with <paramref name="replica"/>'s counter raised to <paramref name="counter"/> (never lowered).</summary>
    public VersionVector With(NodeId replica, long counter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(counter);
        var i = IndexOf(replica);
        if (i >= 0)
        {
            if (_entries[i].Value >= counter)
            {
                return this;
            }

            var copy = (KeyValuePair<NodeId, long>[])_entries.Clone();
            copy[i] = new(replica, counter);
            return new VersionVector(copy);
        }

        if (counter == 0)
        {
            return this;
        }

        var at = ~i;
        var next = new KeyValuePair<NodeId, long>[_entries.Length + 1];
        Array.Copy(_entries, next, at);
        next[at] = new(replica, counter);
        Array.Copy(_entries, at, next, at + 1, _entries.Length - at);
        return new VersionVector(next);
    }

    /// <summary>The least vector that has seen everything both have seen (pointwise maximum).</summary>
    public VersionVector Merge(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._entries.Length == 0)
        {
            return this;
        }

        if (_entries.Length == 0)
        {
            return other;
        }

        var merged = new List<KeyValuePair<NodeId, long>>(_entries.Length + other._entries.Length);
        int a = 0, b = 0;
        while (a < _entries.Length || b < other._entries.Length)
        {
            var cmp = a == _entries.Length ? 1 : b == other._entries.Length ? -1 : _entries[a].Key.CompareTo(other._entries[b].Key);
            if (cmp < 0)
            {
                merged.Add(_entries[a++]);
            }
            else if (cmp > 0)
            {
                merged.Add(other._entries[b++]);
            }
            else
            {
                merged.Add(new(_entries[a].Key, Math.Max(_entries[a].Value, other._entries[b].Value)));
                a++;
                b++;
            }
        }

        return new VersionVector([.. merged]);
    }

    /// <summary>How this vector is ordered against <paramref name="other"/> by causality.</summary>
    public VersionOrder Compare(VersionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        bool ahead = false, behind = false;
        foreach (var (replica, counter) in _entries)
        {
            var theirs = other[replica];
            ahead |= counter > theirs;
            behind |= counter < theirs;
        }

        foreach (var (replica, counter) in other._entries)
        {
            behind |= counter > this[replica];
        }

        return (ahead, behind) switch
        {
            (false, false) => VersionOrder.Same,
            (true, false) => VersionOrder.After,
            (false, true) => VersionOrder.Before,
            _ => VersionOrder.Concurrent,
        };
    }

    /// <summary>Writes the canonical encoding: the entry count, then each replica and counter in replica order.</summary>
    public void Encode(CrdtWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteCount(_entries.Length);
        foreach (var (replica, counter) in _entries)
        {
            writer.WriteNode(replica);
            writer.WriteCount(counter);
        }
    }

    /// <summary>Reads what <see cref="Encode"/> wrote; entries out of order, repeated or zero are malformed (not canonical).</summary>
    public static VersionVector Decode(ref CrdtReader reader)
    {
        var count = (int)reader.ReadCount(reader.Remaining);
        if (count == 0)
        {
            return Empty;
        }

        var entries = new KeyValuePair<NodeId, long>[count];
        for (var i = 0; i < count; i++)
        {
            var replica = reader.ReadNode();
            var counter = reader.ReadCount();
            if (counter == 0 || (i > 0 && entries[i - 1].Key.CompareTo(replica) >= 0))
            {
                throw new FormatException("Version vector entries are not sorted, unique and non-zero (not canonical).");
            }

            entries[i] = new(replica, counter);
        }

        return new VersionVector(entries);
    }

    /// <inheritdoc />
    public bool Equals(VersionVector? other)
    {
        if (other is null || other._entries.Length != _entries.Length)
        {
            return false;
        }

        // Entry by entry: KeyValuePair has no IEquatable, so a span comparison would box every entry.
        for (var i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Key != other._entries[i].Key || _entries[i].Value != other._entries[i].Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as VersionVector);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var e in _entries)
        {
            hash.Add(e.Key);
            hash.Add(e.Value);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        "{" + string.Join(", ", _entries.Select(e => $"{e.Key}:{e.Value.ToString(CultureInfo.InvariantCulture)}")) + "}";

    private int IndexOf(NodeId replica)
    {
        int lo = 0, hi = _entries.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var cmp = _entries[mid].Key.CompareTo(replica);
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

        return ~lo;
    }
}
