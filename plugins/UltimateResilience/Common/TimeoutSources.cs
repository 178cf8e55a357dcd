using Microsoft.Extensions.ObjectPool;

namespace UltimateResilience.Common;

/// <summary>
/// Cancellation sources that cancel after a delay on the pipeline's <see cref="TimeProvider"/>, as Polly's timeout makes
/// them: on the system clock one is reused once reset (<see cref="CancellationTokenSource.TryReset"/>, kept in a
/// <see cref="DefaultObjectPool{T}"/>), so a call that completes in time allocates nothing; on another clock (a test's
/// fake) each is made on that clock and disposed after.
/// </summary>
internal sealed class TimeoutSources(TimeProvider time)
{
    private readonly DefaultObjectPool<CancellationTokenSource>? _pool = time == TimeProvider.System ? new(new DefaultPooledObjectPolicy<CancellationTokenSource>()) : null;

    /// <summary>A source that cancels after <paramref name="delay"/> (positive, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: never).</summary>
    public CancellationTokenSource Rent(TimeSpan delay)
    {
        if (_pool is null)
        {
            return new CancellationTokenSource(delay, time);
        }

        var source = _pool.Get();
        if (delay != System.Threading.Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(delay);
        }

        return source;
    }

    /// <summary>Gives back a source from <see cref="Rent"/>: kept when it can be reset (it did not cancel), else disposed.</summary>
    public void Return(CancellationTokenSource source)
    {
        if (_pool is null || !source.TryReset())
        {
            source.Dispose();
            return;
        }

        _pool.Return(source); // dropped when the pool is full: reset, it holds no timer
    }
}
