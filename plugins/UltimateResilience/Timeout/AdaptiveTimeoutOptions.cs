using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// <c>resilience/timeout-adaptive</c>: Polly's timeout set to a percentile of the latest call durations times a factor, kept
/// within bounds: <c>clamp(percentile(window) * factor, min, max)</c>; <see cref="MaxTimeout"/> until the window holds
/// <see cref="MinimumSamples"/>. A call that timed out counts with the timeout it had, so a slowing dependency raises it.
/// Options <c>percentile</c> (0.5..0.9999, default 0.99), <c>factor</c> (1..100, default 1.5), <c>minTimeoutMilliseconds</c>
/// (1..86400000, default 10), <c>maxTimeoutMilliseconds</c> (1..86400000, default 10000, at least the minimum),
/// <c>windowSize</c> (10..100000, default 1000), <c>minimumSamples</c> (1..100000, default 20, at most <c>windowSize</c>).
/// </summary>
public sealed class AdaptiveTimeoutOptions : ResilienceStrategyOptions
{
    /// <summary>The percentile of recent durations. Default 0.99.</summary>
    public double Percentile { get; set; } = 0.99;

    /// <summary>Multiplies the percentile. Default 1.5.</summary>
    public double Factor { get; set; } = 1.5;

    /// <summary>The timeout is never shorter. Default 10 ms.</summary>
    public TimeSpan MinTimeout { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The timeout is never longer, and is this until enough samples are in. Default 10 seconds.</summary>
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Durations remembered. Default 1000.</summary>
    public int WindowSize { get; set; } = 1000;

    /// <summary>Durations needed before the percentile is used. Default 20.</summary>
    public int MinimumSamples { get; set; } = 20;

    internal static AdaptiveTimeoutOptions Read(OptionReader reader)
    {
        var options = new AdaptiveTimeoutOptions
        {
            Percentile = reader.Double("percentile", 0.99, 0.5, 0.9999),
            Factor = reader.Double("factor", 1.5, 1, 100),
            MinTimeout = reader.Millis("minTimeoutMilliseconds", 10, 1, 86_400_000),
            MaxTimeout = reader.Millis("maxTimeoutMilliseconds", 10_000, 1, 86_400_000),
            WindowSize = reader.Int("windowSize", 1000, 10, 100_000),
            MinimumSamples = reader.Int("minimumSamples", 20, 1, 100_000),
        };
        if (options.MaxTimeout < options.MinTimeout)
        {
            reader.Fail($"Option 'maxTimeoutMilliseconds' is {options.MaxTimeout.TotalMilliseconds}; it must be at least 'minTimeoutMilliseconds' ({options.MinTimeout.TotalMilliseconds}).");
        }

        if (options.MinimumSamples > options.WindowSize)
        {
            reader.Fail($"Option 'minimumSamples' is {options.MinimumSamples}; it must be at most 'windowSize' ({options.WindowSize}).");
        }

        return options;
    }
}
