using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Retry;

/// <summary>
/// The retries <c>resilience/retry-exponential</c> (delay doubling from <see cref="Delay"/>), <c>resilience/retry-decorrelated-jitter</c>
/// (Polly's decorrelated jitter around the exponential curve, drawn from the randomizer) and <c>resilience/retry-fixed</c>
/// (<see cref="Delay"/> every time), all capped at <see cref="MaxDelay"/>, on Polly's retry strategy.
/// </summary>
/// <remarks>
/// Options: <c>maxRetryAttempts</c> (1..100, default 3), <c>delayMilliseconds</c> (0..3600000, default 200),
/// <c>maxDelayMilliseconds</c> (1..86400000, default 30000), <c>handle</c> (default <c>transient</c>), <c>seed</c> (0..2147483647,
/// default none: Polly's randomizer), and the retry budget: <c>budgetRatio</c> (0..1, default 0: no budget), <c>budgetMinimumCalls</c>
/// (0..1000000, default 10), <c>budgetWindowMilliseconds</c> (100..3600000, default 10000).
/// </remarks>
public sealed class RetryOptions : ResilienceStrategyOptions
{
    /// <summary>Retries after the first attempt at most. Default 3.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The base delay (the first retry's for <c>exponential</c>, every retry's for <c>fixed</c>). Default 200 ms.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>No retry waits longer. Default 30 seconds.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What to retry. Default (null): every exception but <see cref="OperationCanceledException"/>.</summary>
    public ResiliencePredicate? Handle { get; set; }

    /// <summary>Seeds the jitter (reproducible delays); null: Polly's randomizer. Default null.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// The retry budget: retries at most <see cref="RetryBudgetOptions.Ratio"/> of the calls of the last
    /// <see cref="RetryBudgetOptions.Window"/> once it has seen <see cref="RetryBudgetOptions.MinimumCalls"/> calls. Default null: none.
    /// </summary>
    public RetryBudgetOptions? Budget { get; set; }

    internal static RetryOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new RetryOptions
        {
            MaxRetryAttempts = reader.Int("maxRetryAttempts", 3, 1, 100),
            Delay = reader.Millis("delayMilliseconds", 200, 0, 3_600_000),
            MaxDelay = reader.Millis("maxDelayMilliseconds", 30_000, 1, 86_400_000),
            Handle = host.ReadPredicate(reader, "handle", "transient"),
            Seed = reader.Seed(),
        };
        var ratio = reader.Double("budgetRatio", 0, 0, 1);
        var minimum = reader.Int("budgetMinimumCalls", 10, 0, 1_000_000);
        var window = reader.Millis("budgetWindowMilliseconds", 10_000, 100, 3_600_000);
        if (ratio > 0)
        {
            options.Budget = new RetryBudgetOptions { Ratio = ratio, MinimumCalls = minimum, Window = window };
        }

        return options;
    }
}
