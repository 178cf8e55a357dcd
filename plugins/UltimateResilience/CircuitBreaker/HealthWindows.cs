using System.Globalization;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// What a closed circuit remembers of its recent calls and when that says to open. Called under the circuit's lock; no clock of
/// its own (the time of each call is passed in, in ticks).
/// </summary>
internal interface IHealthWindow
{
    /// <summary>Whether the window needs each call's duration (beyond slow-call detection).</summary>
    bool NeedsDuration { get; }

    /// <summary>Records one call of the closed circuit; returns why the circuit must open now, or null.</summary>
    string? Record(bool failure, TimeSpan duration, long nowTicks);

    /// <summary>Forgets every call (the circuit opened or closed).</summary>
    void Reset();
}

/// <summary><c>consecutive</c>: opens after <c>threshold</c> failures in a row; a success starts the count again.</summary>
internal sealed class ConsecutiveWindow(int threshold) : IHealthWindow
{
    private int _failures;

    public bool NeedsDuration => false;

    public string? Record(bool failure, TimeSpan duration, long nowTicks)
    {
        _failures = failure ? _failures + 1 : 0;
        return _failures >= threshold
            ? string.Create(CultureInfo.InvariantCulture, $"{_failures} failures in a row (failureThreshold {threshold})")
            : null;
    }

    public void Reset() => _failures = 0;
}

/// <summary>
/// <c>count-based</c>: the outcomes of the last <c>windowSize</c> calls in a ring; opens when at least <c>minimumCalls</c> are
/// recorded and the failed share reaches the ratio.
/// </summary>
internal sealed class CountWindow(int size, int minimumCalls, double failureRatio) : IHealthWindow
{
    private readonly bool[] _ring = new bool[size];
    private int _next;
    private int _count;
    private int _failures;

    public bool NeedsDuration => false;

    public int Count => _count;

    public int Failures => _failures;

    public string? Record(bool failure, TimeSpan duration, long nowTicks)
    {
        Add(failure);
        return Check(failureRatio);
    }

    /// <summary>Records an outcome without deciding.</summary>
    public void Add(bool failure)
    {
        if (_count == _ring.Length)
        {
            if (_ring[_next])
            {
                _failures--;
            }
        }
        else
        {
            _count++;
        }

        _ring[_next] = failure;
        if (failure)
        {
            _failures++;
        }

        _next = (_next + 1) % _ring.Length;
    }

    /// <summary>Why to open at <paramref name="ratio"/>, or null.</summary>
    public string? Check(double ratio) =>
        _count >= minimumCalls && _failures >= ratio * _count
            ? string.Create(CultureInfo.InvariantCulture, $"{_failures} of the last {_count} calls failed (failureRatio {ratio:0.###}, minimumCalls {minimumCalls})")
            : null;

    public void Reset()
    {
        Array.Clear(_ring);
        _next = 0;
        _count = 0;
        _failures = 0;
    }
}

/// <summary>
/// <c>sliding-window</c>: calls counted in <c>buckets</c> time buckets covering the last <c>windowMilliseconds</c> (Resilience4j's
/// time-based window); opens when at least <c>minimumCalls</c> fall in the window and the failed share reaches the ratio.
/// </summary>
internal sealed class TimeWindow(TimeSpan window, int buckets, int minimumCalls, double failureRatio) : IHealthWindow
{
    private readonly TimeBuckets _buckets = new(window, buckets);

    public bool NeedsDuration => false;

    public string? Record(bool failure, TimeSpan duration, long nowTicks)
    {
        _buckets.Add(nowTicks, 1, failure ? 1 : 0);
        var (calls, failures) = _buckets.Sum(nowTicks);
        return calls >= minimumCalls && failures >= failureRatio * calls
            ? string.Create(CultureInfo.InvariantCulture, $"{failures} of {calls} calls in the last {window.TotalMilliseconds} ms failed (failureRatio {failureRatio:0.###}, minimumCalls {minimumCalls})")
            : null;
    }

    public void Reset() => _buckets.Reset();
}

/// <summary>
/// <c>adaptive</c>: a count window whose failure ratio is scaled down while calls are slower than the target: with a moving
/// average latency L above the target T the circuit opens at <c>ratio * max(minimumScale, T / L)</c>, so a service that is
/// both failing and slowing down is shed sooner.
/// </summary>
internal sealed class AdaptiveWindow(int size, int minimumCalls, double failureRatio, TimeSpan target, double minimumScale, double smoothing) : IHealthWindow
{
    private readonly CountWindow _counts = new(size, minimumCalls, failureRatio);
    private double _averageTicks = -1;

    public bool NeedsDuration => true;

    /// <summary>The ratio at which the circuit opens now.</summary>
    public double EffectiveRatio => _averageTicks <= target.Ticks ? failureRatio : failureRatio * Math.Max(minimumScale, target.Ticks / _averageTicks);

    public string? Record(bool failure, TimeSpan duration, long nowTicks)
    {
        _averageTicks = _averageTicks < 0 ? duration.Ticks : _averageTicks + (smoothing * (duration.Ticks - _averageTicks));
        _counts.Add(failure);
        var ratio = EffectiveRatio;
        return _counts.Check(ratio) is { } why
            ? string.Create(CultureInfo.InvariantCulture, $"{why}, scaled from {failureRatio:0.###} by average latency {TimeSpan.FromTicks((long)_averageTicks).TotalMilliseconds:0.###} ms against target {target.TotalMilliseconds} ms")
            : null;
    }

    public void Reset()
    {
        _counts.Reset();
        _averageTicks = -1;
    }
}
