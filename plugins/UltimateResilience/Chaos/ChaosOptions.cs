using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Chaos;

/// <summary>
/// Polly's chaos strategies (Simmy), seeded: <c>resilience/chaos-fault</c> throws a fault instead of calling,
/// <c>resilience/chaos-latency</c> waits before calling, <c>resilience/chaos-outcome</c> (results only) returns a result
/// instead of calling, <c>resilience/chaos-behavior</c> does something first (cancels, or collects garbage: a pause).
/// </summary>
/// <remarks>
/// Options every one takes: <c>injectionRate</c> (0..1, default 0.001: Polly's), <c>enabled</c> (default true), <c>seed</c>
/// (0..2147483647, default none: Polly's randomizer). Then <c>fault</c> (<c>io</c>, <c>timeout</c>, <c>invalid-operation</c>;
/// default <c>io</c>) and <c>message</c>; <c>latencyMilliseconds</c> (0..3600000, default 30000: Polly's); <c>value</c> (text
/// converted to the result type); <c>behavior</c> (<c>cancel</c>, <c>collect-garbage</c>; default <c>collect-garbage</c>).
/// </remarks>
public sealed class ChaosOptions : ResilienceStrategyOptions
{
    /// <summary>The share of calls injected. Default 0.001.</summary>
    public double InjectionRate { get; set; } = 0.001;

    /// <summary>Whether to inject at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seeds which calls are injected (reproducible runs); null: Polly's randomizer. Default null.</summary>
    public int? Seed { get; set; }

    /// <summary>chaos-fault: the exception's kind (<c>io</c>, <c>timeout</c>, <c>invalid-operation</c>). Default <c>io</c>.</summary>
    public string Fault { get; set; } = "io";

    /// <summary>chaos-fault: the exception's message. Default "chaos fault injected".</summary>
    public string Message { get; set; } = "chaos fault injected";

    /// <summary>chaos-latency: the wait injected. Default 30 seconds.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>chaos-outcome: the result injected, as text. Default empty.</summary>
    public string Value { get; set; } = string.Empty;

    /// <summary>chaos-behavior: what to do (<c>cancel</c>, <c>collect-garbage</c>). Default <c>collect-garbage</c>.</summary>
    public string Behavior { get; set; } = "collect-garbage";

    internal static ChaosOptions Read(OptionReader reader, ChaosKind kind)
    {
        var options = new ChaosOptions
        {
            InjectionRate = reader.Double("injectionRate", 0.001, 0, 1),
            Enabled = reader.Bool("enabled", true),
            Seed = reader.Seed(),
        };
        switch (kind)
        {
            case ChaosKind.Fault:
                options.Fault = reader.OneOf("fault", "io", "io", "timeout", "invalid-operation");
                options.Message = reader.Strings("message", ["chaos fault injected"]) is [var message] ? message : "chaos fault injected";
                break;
            case ChaosKind.Latency:
                options.Latency = reader.Millis("latencyMilliseconds", 30_000, 0, 3_600_000);
                break;
            case ChaosKind.Outcome:
                options.Value = reader.Strings("value", [string.Empty]) is [var value] ? value : string.Empty;
                break;
            default:
                options.Behavior = reader.OneOf("behavior", "collect-garbage", "cancel", "collect-garbage");
                break;
        }

        return options;
    }
}
