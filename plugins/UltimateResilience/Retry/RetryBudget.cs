using UltimateResilience.Common;

namespace UltimateResilience.Retry;

/// <summary>
/// Counts calls and retries over a sliding window of time and says whether one more retry fits the budget. Thread-safe; time
/// from the pipeline's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RetryBudget(RetryBudgetOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly TimeBuckets _counts = new(options.Window, 10);

    /// <summary>Retries the budget refused so far.</summary>
    public long Refused { get; private set; }

    /// <summary>A call started (its first attempt).</summary>
    public void Called()
    {
        lock (_gate)
        {
            _counts.Add(time.GetUtcNow().UtcTicks, 1, 0);
        }
    }

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryRetry()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow().UtcTicks;
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
}
