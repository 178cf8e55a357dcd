using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Hedging;

/// <summary>
/// <c>resilience/hedging</c> (results only): Polly's hedging; when the first attempt has not answered after <see cref="Delay"/>
/// (or failed with a handled outcome), the call is started again, up to <see cref="MaxHedgedAttempts"/> more, and the first
/// acceptable answer wins. Options <c>maxHedgedAttempts</c> (1..10, default 1), <c>delayMilliseconds</c> (-1..3600000, default
/// 2000; 0: all attempts at once; -1: only after a failure), <c>handle</c> (default <c>any</c>).
/// </summary>
public sealed class HedgingOptions : ResilienceStrategyOptions
{
    /// <summary>Attempts besides the first. Default 1.</summary>
    public int MaxHedgedAttempts { get; set; } = 1;

    /// <summary>The wait before the next hedged attempt. Default 2 seconds.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Outcomes that are no answer (a hedged attempt follows at once). Default (null): every exception but cancellation.</summary>
    public ResiliencePredicate? Handle { get; set; }

    internal static HedgingOptions Read(OptionReader reader, IResilienceHost host)
    {
        var delay = reader.Long("delayMilliseconds", 2000, -1, 3_600_000);
        return new()
        {
            MaxHedgedAttempts = reader.Int("maxHedgedAttempts", 1, 1, 10),
            Delay = delay < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(delay),
            Handle = host.ReadPredicate(reader, "handle", "any"),
        };
    }
}
