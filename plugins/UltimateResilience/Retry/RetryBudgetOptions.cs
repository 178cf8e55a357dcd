namespace UltimateResilience.Retry;

/// <summary>
/// A retry budget (Finagle's, Polly #2348): over the last <see cref="Window"/>, retries may be at most <see cref="Ratio"/> of the
/// calls, once the window holds <see cref="MinimumCalls"/> calls (below that, retries are not limited by the budget). A retry
/// the budget refuses is not made: the caller gets the failure as it is.
/// </summary>
public sealed class RetryBudgetOptions
{
    /// <summary>Retries per call allowed over the window. Default 0.2.</summary>
    public double Ratio { get; set; } = 0.2;

    /// <summary>Calls in the window before the budget applies. Default 10.</summary>
    public int MinimumCalls { get; set; } = 10;

    /// <summary>The span of recent calls counted. Default 10 seconds.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}
