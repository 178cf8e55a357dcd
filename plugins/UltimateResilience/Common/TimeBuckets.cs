namespace UltimateResilience.Common;

/// <summary>
/// Two counters over a sliding span of time cut into buckets (a ring indexed by the bucket's epoch): what the sliding-window
/// breaker (calls, failures) and the retry budget (calls, retries) count. Not thread-safe: the owner locks, except that
/// <see cref="TryAddFirst"/> may run without the lock. Time is passed in (ticks, or any unit the span's ticks are given in);
/// no clock of its own, no allocation after construction.
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

    /// <summary>Adds to the bucket of <paramref name="nowTicks"/> (under the owner's lock).</summary>
    public void Add(long nowTicks, long first, long second)
    {
        var epoch = nowTicks / _bucketTicks;
        var slot = (int)(epoch % _epoch.Length);
        if (_epoch[slot] != epoch)
        {
            // Counters first, then the epoch: a TryAddFirst that sees the new epoch adds to the zeroed counter.
            _first[slot] = 0;
            _second[slot] = 0;
            Volatile.Write(ref _epoch[slot], epoch);
        }

        Interlocked.Add(ref _first[slot], first);
        _second[slot] += second;
    }

    /// <summary>
    /// Adds one to the first counter of the bucket of <paramref name="nowTicks"/> without the owner's lock, when that bucket
    /// is the current one; false when it has to be started (the caller takes the lock and calls <see cref="Add"/>). A call
    /// counted here while another thread starts the same slot one whole span later may land in the newer bucket: one call
    /// counted up to a span late, only for a thread held up that long.
    /// </summary>
    public bool TryAddFirst(long nowTicks)
    {
        var epoch = nowTicks / _bucketTicks;
        var slot = (int)(epoch % _epoch.Length);
        if (Volatile.Read(ref _epoch[slot]) != epoch)
        {
            return false;
        }

        Interlocked.Increment(ref _first[slot]);
        return true;
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
