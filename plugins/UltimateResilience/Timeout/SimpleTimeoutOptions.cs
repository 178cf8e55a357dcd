using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// <c>resilience/timeout-simple</c>: Polly's timeout; the call is cancelled and <c>TimeoutRejectedException</c> thrown after
/// <see cref="Timeout"/>. Option <c>timeoutMilliseconds</c> (1..86400000, default 30000: Polly's default).
/// </summary>
public sealed class SimpleTimeoutOptions : ResilienceStrategyOptions
{
    /// <summary>How long a call may run. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal static SimpleTimeoutOptions Read(OptionReader reader) => new() { Timeout = reader.Millis("timeoutMilliseconds", 30_000, 1, 86_400_000) };
}
