namespace UltimateResilience.Common;

/// <summary>
/// Two counters over a sliding span of time cut into buckets (a ring indexed by the bucket's epoch): what the sliding-window
/// breaker (calls, failures) and the retry budget (calls, retries) count. Not thread-safe: the owner locks. Time is passed in
/// (ticks); no clock of its own, no allocation after construction.
/// </summary>
internal sealed class TimeBuckets
{
    private readonly long _bucketTicks;
    private readonly long[] _epoch;
    private readonly long[] _first;
    private readonly long[] _second;

    public TimeBuckets(TimeSpan span, int buckets)
    {
        _bucketTicks = Math.Max(1, span.Ticks / buckets);
        _epoch = new long[buckets];
        _first = new long[buckets];
        _second = new long[buckets];
        Reset();
    }

    /// <summary>Adds to the bucket of <paramref name="nowTicks"/>.</summary>
    public void Add(long nowTicks, long first, long second)
    {
        var epoch = nowTicks / _bucketTicks;
        var slot = (int)(epoch % _epoch.Length);
        if (_epoch[slot] != epoch)
        {
            _epoch[slot] = epoch;
            _first[slot] = 0;
            _second[slot] = 0;
        }

        _first[slot] += first;
        _second[slot] += second;
    }

    /// <summary>The sums over the buckets still inside the span at <paramref name="nowTicks"/>.</summary>
    public (long First, long Second) Sum(long nowTicks)
    {
        var epoch = nowTicks / _bucketTicks;
        long first = 0, second = 0;
        for (var i = 0; i < _epoch.Length; i++)
        {
            if (_epoch[i] > epoch - _epoch.Length && _epoch[i] <= epoch)
            {
                first += _first[i];
                second += _second[i];
            }
        }

        return (first, second);
    }

    public void Reset()
    {
        Array.Fill(_epoch, long.MinValue);
        Array.Clear(_first);
        Array.Clear(_second);
    }
}
