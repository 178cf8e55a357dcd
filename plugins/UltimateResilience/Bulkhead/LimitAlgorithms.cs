namespace UltimateResilience.Bulkhead;

/// <summary>
/// A concurrency limit moved by measurements, as Netflix concurrency-limits' algorithms: each sample is a call's round-trip
/// time, the calls in flight when it started, and whether it was dropped (failed or timed out). Deterministic and clock-free:
/// the caller passes the samples in; not thread-safe (the adaptive bulkhead locks).
/// </summary>
internal interface ILimitAlgorithm
{
    /// <summary>The current limit.</summary>
    double Limit { get; }

    void Sample(TimeSpan rtt, int inflight, bool dropped);
}

/// <summary>AIMD: grows by one while at least half used and not dropping; multiplied by <c>backoff</c> on a drop or a slow call.</summary>
internal sealed class AimdLimit(AdaptiveBulkheadOptions options) : ILimitAlgorithm
{
    public double Limit { get; private set; } = options.InitialLimit;

    public void Sample(TimeSpan rtt, int inflight, bool dropped)
    {
        if (dropped || rtt > options.AimdTimeout)
        {
            Limit = Math.Max(options.MinLimit, Math.Floor(Limit * options.AimdBackoff));
        }
        else if (inflight * 2 >= Limit)
        {
            Limit = Math.Min(options.MaxLimit, Limit + 1);
        }
    }
}

/// <summary>
/// Vegas: estimates the queue as <c>limit * (1 - rttNoLoad / rtt)</c> (rttNoLoad the least RTT seen) and grows the limit while
/// the queue is short (under <c>alpha = 3 log10 limit</c>), shrinks it when long (over <c>beta = 6 log10 limit</c>) or on a
/// drop, smoothed.
/// </summary>
internal sealed class VegasLimit(AdaptiveBulkheadOptions options) : ILimitAlgorithm
{
    private long _rttNoLoad = long.MaxValue;

    public double Limit { get; private set; } = options.InitialLimit;

    public void Sample(TimeSpan rtt, int inflight, bool dropped)
    {
        var ticks = Math.Max(1, rtt.Ticks);
        _rttNoLoad = Math.Min(_rttNoLoad, ticks);
        var log = Math.Max(1, Math.Log10(Limit));
        double next;
        if (dropped)
        {
            next = Limit - log;
        }
        else if (inflight * 2 < Limit)
        {
            return; // not using half the limit: no evidence either way
        }
        else
        {
            var queue = Math.Ceiling(Limit * (1 - ((double)_rttNoLoad / ticks)));
            if (queue <= log)
            {
                next = Limit + (6 * log);
            }
            else if (queue < 3 * log)
            {
                next = Limit + log;
            }
            else if (queue > 6 * log)
            {
                next = Limit - log;
            }
            else
            {
                return;
            }
        }

        next = Math.Clamp(next, options.MinLimit, options.MaxLimit);
        Limit = ((1 - options.Smoothing) * Limit) + (options.Smoothing * next);
    }
}

/// <summary>
/// Gradient2: a long-term exponential average of RTT against the latest; <c>gradient = clamp(tolerance * long / short, 0.5,
/// 1)</c>, <c>limit = limit * gradient + sqrt(limit)</c> (the queue allowance), smoothed; the long average recovers when it
/// drifts far above the short one.
/// </summary>
internal sealed class Gradient2Limit(AdaptiveBulkheadOptions options) : ILimitAlgorithm
{
    private const int LongWindow = 600;
    private const int Warmup = 10;
    private double _longRtt;
    private int _samples;

    public double Limit { get; private set; } = options.InitialLimit;

    public void Sample(TimeSpan rtt, int inflight, bool dropped)
    {
        double shortRtt = Math.Max(1, rtt.Ticks);
        _samples++;
        _longRtt = _samples <= Warmup
            ? _longRtt + ((shortRtt - _longRtt) / _samples)
            : _longRtt + ((shortRtt - _longRtt) * (2.0 / (LongWindow + 1)));
        if (_longRtt / shortRtt > 2)
        {
            _longRtt *= 0.95;
        }

        if (inflight * 2 < Limit)
        {
            return;
        }

        var gradient = Math.Clamp(options.Tolerance * _longRtt / shortRtt, 0.5, 1.0);
        var next = (Limit * gradient) + Math.Sqrt(Limit);
        next = Math.Clamp(next, options.MinLimit, options.MaxLimit);
        Limit = ((1 - options.Smoothing) * Limit) + (options.Smoothing * next);
    }
}
