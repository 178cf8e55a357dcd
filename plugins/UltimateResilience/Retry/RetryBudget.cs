using Polly.Retry;
using UltimateResilience.Common;

namespace UltimateResilience.Retry;

/// <summary>
/// Counts calls and retries over a sliding window of time and says whether one more retry fits the budget. Thread-safe:
/// counting a call takes no lock while its bucket is the current one (every call of a retry pipeline counts one, so it is on
/// the success path); a retry and a new bucket take the lock. Time from the pipeline's <see cref="TimeProvider"/>; on the
/// system clock, its coarse monotonic millisecond count (<see cref="Environment.TickCount64"/>), which is finer than the
/// window's tenths (at least 10 ms) and cheaper to read.
/// </summary>
internal sealed class RetryBudget(RetryBudgetOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly TimeBuckets _counts = new(options.Window, 10);
    private readonly bool _system = time == TimeProvider.System;

    /// <summary>Retries the budget refused so far.</summary>
    public long Refused { get; private set; }

    /// <summary>A call started (its first attempt).</summary>
    public void Called()
    {
        var now = Now();
        if (_counts.TryAddFirst(now))
        {
            return;
        }

        lock (_gate)
        {
            _counts.Add(now, 1, 0);
        }
    }

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryRetry()
    {
        lock (_gate)
        {
            var now = Now();
            var (calls, retries) = _counts.Sum(now);
            if (calls >= options.MinimumCalls && retries + 1 > options.Ratio * calls)
            {
                Refused++;
                return false;
            }

            _counts.Add(now, 0, 1);
            return true;
        }
    }

    /// <summary>
    /// Holds Polly's retry <paramref name="polly"/> to <paramref name="budget"/>: its <c>ShouldHandle</c> counts each call on
    /// its first attempt, then asks the original predicate, and a handled outcome is retried only when the budget grants
    /// it. Polly asks about the last attempt too and retries no more then, so only a retry that will be made draws on the
    /// budget.
    /// </summary>
    public static void Apply<TResult>(RetryStrategyOptions<TResult> polly, RetryBudget budget)
    {
        var handle = polly.ShouldHandle;
        var maxRetries = polly.MaxRetryAttempts;
        polly.ShouldHandle = args =>
        {
            if (args.AttemptNumber == 0)
            {
                budget.Called();
            }

            var handled = handle(args);
            return handled.IsCompletedSuccessfully
                ? new ValueTask<bool>(handled.Result && (args.AttemptNumber >= maxRetries || budget.TryRetry()))
                : Granted(handled, args.AttemptNumber);
        };

        async ValueTask<bool> Granted(ValueTask<bool> handled, int attempt) =>
            await handled.ConfigureAwait(false) && (attempt >= maxRetries || budget.TryRetry());
    }

    /// <summary>A copy of Polly's retry options (every setting of Polly 8's), for <see cref="Apply"/> to change.</summary>
    public static TPolly Copy<TPolly, TResult>(RetryStrategyOptions<TResult> from)
        where TPolly : RetryStrategyOptions<TResult>, new() => new()
    {
        Name = from.Name,
        ShouldHandle = from.ShouldHandle,
        MaxRetryAttempts = from.MaxRetryAttempts,
        BackoffType = from.BackoffType,
        UseJitter = from.UseJitter,
        Delay = from.Delay,
        MaxDelay = from.MaxDelay,
        DelayGenerator = from.DelayGenerator,
        OnRetry = from.OnRetry,
        Randomizer = from.Randomizer,
    };

    private long Now() => _system ? Environment.TickCount64 * TimeSpan.TicksPerMillisecond : time.GetUtcNow().UtcTicks;
}
