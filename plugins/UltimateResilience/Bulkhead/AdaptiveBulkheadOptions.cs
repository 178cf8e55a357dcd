using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Bulkhead;

/// <summary>
/// <c>resilience/bulkhead-adaptive</c>: a concurrency limit moved by measured latency (Netflix concurrency-limits, Envoy's
/// adaptive concurrency): calls over the current limit are rejected; each finished call is a sample for the
/// <see cref="Algorithm"/>: <c>aimd</c> (add one while healthy, multiply by <see cref="AimdBackoff"/> on a drop or a call slower
/// than <see cref="AimdTimeout"/>), <c>vegas</c> (queue estimate from the least RTT), <c>gradient2</c> (long-term against
/// short-term RTT, within <see cref="Tolerance"/>). A handled outcome is a drop.
/// </summary>
/// <remarks>
/// Options <c>algorithm</c> (<c>aimd</c>, <c>vegas</c>, <c>gradient2</c>; default <c>gradient2</c>), <c>initialLimit</c>
/// (1..100000, default 20), <c>minLimit</c> (1..100000, default 1), <c>maxLimit</c> (1..100000, default 1000; the three ordered),
/// <c>smoothing</c> (0.01..1, default 0.2; vegas and gradient2), <c>tolerance</c> (1..10, default 1.5; gradient2),
/// <c>aimdBackoff</c> (0.1..0.99, default 0.9), <c>aimdTimeoutMilliseconds</c> (1..3600000, default 5000), <c>handle</c>
/// (default <c>any</c>).
/// </remarks>
public sealed class AdaptiveBulkheadOptions : ResilienceStrategyOptions
{
    /// <summary>The algorithm moving the limit: <c>aimd</c>, <c>vegas</c> or <c>gradient2</c>. Default <c>gradient2</c>.</summary>
    public string Algorithm { get; set; } = "gradient2";

    /// <summary>The limit before any sample. Default 20.</summary>
    public int InitialLimit { get; set; } = 20;

    /// <summary>The limit never goes below. Default 1.</summary>
    public int MinLimit { get; set; } = 1;

    /// <summary>The limit never goes above. Default 1000.</summary>
    public int MaxLimit { get; set; } = 1000;

    /// <summary>The weight of a new limit against the current one (vegas, gradient2). Default 0.2.</summary>
    public double Smoothing { get; set; } = 0.2;

    /// <summary>How much slower than the long-term RTT calls may get before the limit falls (gradient2). Default 1.5.</summary>
    public double Tolerance { get; set; } = 1.5;

    /// <summary>The factor applied to the limit on a drop (aimd). Default 0.9.</summary>
    public double AimdBackoff { get; set; } = 0.9;

    /// <summary>A call slower than this is a drop (aimd). Default 5 seconds.</summary>
    public TimeSpan AimdTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Outcomes that are drops. Default (null): every exception but cancellation.</summary>
    public ResiliencePredicate? Handle { get; set; }

    internal ILimitAlgorithm CreateAlgorithm() => Algorithm switch
    {
        "aimd" => new AimdLimit(this),
        "vegas" => new VegasLimit(this),
        _ => new Gradient2Limit(this),
    };

    internal static AdaptiveBulkheadOptions Read(OptionReader reader, IResilienceHost host)
    {
        var options = new AdaptiveBulkheadOptions
        {
            Algorithm = reader.OneOf("algorithm", "gradient2", "aimd", "vegas", "gradient2"),
            InitialLimit = reader.Int("initialLimit", 20, 1, 100_000),
            MinLimit = reader.Int("minLimit", 1, 1, 100_000),
            MaxLimit = reader.Int("maxLimit", 1000, 1, 100_000),
            Smoothing = reader.Double("smoothing", 0.2, 0.01, 1),
            Tolerance = reader.Double("tolerance", 1.5, 1, 10),
            AimdBackoff = reader.Double("aimdBackoff", 0.9, 0.1, 0.99),
            AimdTimeout = reader.Millis("aimdTimeoutMilliseconds", 5000, 1, 3_600_000),
            Handle = host.ReadPredicate(reader, "handle", "any"),
        };
        if (options.MinLimit > options.InitialLimit || options.InitialLimit > options.MaxLimit)
        {
            reader.Fail($"Options 'minLimit' ({options.MinLimit}), 'initialLimit' ({options.InitialLimit}) and 'maxLimit' ({options.MaxLimit}) must be in that order (each at most the next).");
        }

        return options;
    }
}
