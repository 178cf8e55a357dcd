namespace UltimateResilience.Timeout;

/// <summary>
/// The latest call durations in a ring and the adaptive timeout derived from them, recomputed every tenth of the window (a
/// sort of a scratch copy: no allocation after construction). Thread-safe; deterministic (durations are passed in).
/// </summary>
internal sealed class LatencyWindow
{
    private readonly Lock _gate = new();
    private readonly long[] _ring;
    private readonly long[] _scratch;
    private readonly AdaptiveTimeoutOptions _options;
    private readonly int _recomputeEvery;
    private int _next;
    private int _count;
    private int _sinceRecompute;
    private long _timeoutTicks;

    public LatencyWindow(AdaptiveTimeoutOptions options)
    {
        _options = options;
        _ring = new long[options.WindowSize];
        _scratch = new long[options.WindowSize];
        _recomputeEvery = Math.Max(1, options.WindowSize / 10);
        _timeoutTicks = options.MaxTimeout.Ticks;
    }

    /// <summary>The timeout to apply now.</summary>
    public TimeSpan Timeout => TimeSpan.FromTicks(Volatile.Read(ref _timeoutTicks));

    public void Record(TimeSpan duration)
    {
        lock (_gate)
        {
            _ring[_next] = duration.Ticks;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
            if (_count < _options.MinimumSamples || (++_sinceRecompute < _recomputeEvery && _count > _options.MinimumSamples))
            {
                return;
            }

            _sinceRecompute = 0;
            Array.Copy(_ring, _scratch, _count);
            Array.Sort(_scratch, 0, _count);
            var index = Math.Clamp((int)Math.Ceiling(_options.Percentile * _count) - 1, 0, _count - 1);
            var ticks = _scratch[index] * _options.Factor;
            Volatile.Write(ref _timeoutTicks, (long)Math.Clamp(ticks, _options.MinTimeout.Ticks, _options.MaxTimeout.Ticks));
        }
    }
}
