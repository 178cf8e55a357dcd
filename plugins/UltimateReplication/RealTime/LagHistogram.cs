using System.Globalization;

namespace UltimateReplication.RealTime;

/// <summary>
/// The measured lag of pushes, in ticks from the write to the peer's acknowledgement, counted exactly per tick value
/// (lags are small integers: a push not acknowledged within the budget leaves the histogram and its peer catches up).
/// </summary>
internal sealed class LagHistogram
{
    private readonly SortedDictionary<long, long> _counts = [];

    /// <summary>Pushes measured.</summary>
    public long Count { get; private set; }

    /// <summary>The largest lag measured (0 when none).</summary>
    public long Max => _counts.Count == 0 ? 0 : _counts.Keys.Last();

    /// <summary>Each lag measured (ticks) and how many pushes had it, in lag order.</summary>
    public IReadOnlyList<KeyValuePair<long, long>> Buckets => [.. _counts];

    public void Record(long ticks)
    {
        _counts[ticks] = _counts.GetValueOrDefault(ticks) + 1;
        Count++;
    }

    /// <summary>Adds another histogram's counts.</summary>
    public void Add(LagHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (ticks, n) in other._counts)
        {
            _counts[ticks] = _counts.GetValueOrDefault(ticks) + n;
            Count += n;
        }
    }

    /// <summary>The lag at or below which a fraction <paramref name="p"/> (0..1) of the pushes were acknowledged; 0 when none.</summary>
    public long Percentile(double p)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(p, 0, 1) * Count);
        long seen = 0;
        foreach (var (ticks, n) in _counts)
        {
            seen += n;
            if (seen >= Math.Max(1, rank))
            {
                return ticks;
            }
        }

        return Max;
    }

    public override string ToString() => Count == 0
        ? "no pushes measured"
        : string.Create(CultureInfo.InvariantCulture, $"{Count} pushes: p50 {Percentile(0.5)}, p90 {Percentile(0.9)}, p99 {Percentile(0.99)}, max {Max} ticks");
}
