using Polly.Timeout;

namespace UltimateResilience.Timeout;

/// <summary>
/// A call a cascading timeout rejected before it started because the deadline it inherited has passed: a
/// <see cref="TimeoutRejectedException"/> (the kernel's <c>timeout</c> predicate matches it) naming the strategy.
/// </summary>
public sealed class DeadlineExceededException : TimeoutRejectedException
{
    /// <summary>Creates the rejection.</summary>
    public DeadlineExceededException(string strategy, TimeSpan overdue)
        : base($"cascading timeout '{strategy}' (resilience/timeout-cascading) rejected the call before it started: its deadline passed {overdue.TotalMilliseconds} ms ago", TimeSpan.Zero)
    {
        Strategy = strategy;
        Overdue = overdue;
    }

    /// <summary>The strategy's name (<c>PIPELINE[INDEX]</c> for one built from <c>plugins.json</c>).</summary>
    public string Strategy { get; }

    /// <summary>How long ago the deadline passed.</summary>
    public TimeSpan Overdue { get; }
}
