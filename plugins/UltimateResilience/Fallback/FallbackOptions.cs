using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;

namespace UltimateResilience.Fallback;

/// <summary>
/// <c>resilience/fallback</c> (results only): Polly's fallback; a handled outcome is replaced by <see cref="Value"/>, converted
/// to the pipeline's result type. Options <c>value</c> (text, default empty), <c>handle</c> (default <c>any</c>).
/// </summary>
public sealed class FallbackOptions : ResilienceStrategyOptions
{
    /// <summary>The result given instead, as text (converted with the invariant culture). Default empty.</summary>
    public string Value { get; set; } = string.Empty;

    /// <summary>Outcomes to replace. Default (null): every exception but cancellation.</summary>
    public ResiliencePredicate? Handle { get; set; }

    internal static FallbackOptions Read(OptionReader reader, IResilienceHost host) => new()
    {
        Value = reader.Strings("value", [string.Empty]) is [var single] ? single : ReadFailed(reader),
        Handle = host.ReadPredicate(reader, "handle", "any"),
    };

    private static string ReadFailed(OptionReader reader)
    {
        reader.Fail("Option 'value' must be one value (text).");
        return string.Empty;
    }
}
