using System.Globalization;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// The distribution of one measurement a replica reports (<see cref="IMeasuredReplica"/>), summed over replicas, restarts
/// and seeds: each measured value with how many events had it.
/// </summary>
public sealed class Distribution
{
    private readonly SortedDictionary<long, long> _counts = [];

    internal Distribution()
    {
    }

    /// <summary>Events measured.</summary>
    public long Count { get; private set; }

    /// <summary>The smallest value measured (0 when none).</summary>
    public long Min => _counts.Count == 0 ? 0 : _counts.First().Key;

    /// <summary>The largest value measured (0 when none).</summary>
    public long Max => _counts.Count == 0 ? 0 : _counts.Last().Key;

    /// <summary>Each value measured and how many events had it, in value order.</summary>
    public IReadOnlyList<KeyValuePair<long, long>> Counts => [.. _counts];

    /// <summary>The value at or below which a fraction <paramref name="p"/> (0..1) of the events lie (nearest rank); 0 when none.</summary>
    public long Percentile(double p)
    {
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(p, 0, 1) * Count));
        long seen = 0;
        foreach (var (value, n) in _counts)
        {
            seen += n;
            if (seen >= rank)
            {
                return value;
            }
        }

        return 0;
    }

    /// <summary>Count, p50, p90, p99 and maximum, as one line.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Count} measured: p50 {Percentile(0.5)}, p90 {Percentile(0.9)}, p99 {Percentile(0.99)}, max {Max}");

    internal void Add(long value, long events)
    {
        if (events <= 0)
        {
            return;
        }

        _counts[value] = _counts.GetValueOrDefault(value) + events;
        Count += events;
    }

    /// <summary>Adds what <paramref name="replica"/> measured, when it measures anything, to <paramref name="into"/>.</summary>
    internal static void Collect(object? replica, Dictionary<string, Distribution> into)
    {
        if (replica is not IMeasuredReplica measured)
        {
            return;
        }

        foreach (var (name, counts) in measured.Measurements)
        {
            foreach (var (value, events) in counts)
            {
                Of(into, name).Add(value, events);
            }
        }
    }

    /// <summary>Adds every distribution of <paramref name="from"/> to <paramref name="into"/>.</summary>
    internal static void Merge(IReadOnlyDictionary<string, Distribution> from, Dictionary<string, Distribution> into)
    {
        foreach (var (name, d) in from)
        {
            var target = Of(into, name);
            foreach (var (value, events) in d._counts)
            {
                target.Add(value, events);
            }
        }
    }

    private static Distribution Of(Dictionary<string, Distribution> map, string name)
    {
        if (!map.TryGetValue(name, out var d))
        {
            map[name] = d = new Distribution();
        }

        return d;
    }
}
