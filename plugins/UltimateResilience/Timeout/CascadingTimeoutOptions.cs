using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// <c>resilience/timeout-cascading</c>: a deadline carried in the <see cref="ResilienceContext"/> (Finagle's and gRPC's
/// deadlines). The outermost cascading timeout sets the deadline now + <see cref="Timeout"/>; a nested one (an inner pipeline
/// executed with the same context) gets the smaller of its own timeout and what remains; a call whose budget is already spent
/// is rejected before it starts with <see cref="DeadlineExceededException"/>. Expiry while running is as Polly's timeout: the
/// context's token is cancelled at the deadline, the <c>OnTimeout</c> event is reported and the call fails with
/// <c>TimeoutRejectedException</c>. Option <c>timeoutMilliseconds</c> (1..86400000, default 30000).
/// </summary>
/// <remarks>
/// The deadline is the context property <see cref="DeadlineKey"/> (<c>resilience.deadline</c>, a
/// <c>StrongBox&lt;DateTimeOffset&gt;</c>, a type every load context shares): code that calls another process reads it to
/// send the remaining budget along.
/// </remarks>
public sealed class CascadingTimeoutOptions : ResilienceStrategyOptions
{
    /// <summary>The context property holding the deadline while a cascading timeout runs (null or absent: none).</summary>
    public static ResiliencePropertyKey<System.Runtime.CompilerServices.StrongBox<DateTimeOffset>?> DeadlineKey { get; } = new("resilience.deadline");

    /// <summary>The budget of a call at this level. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal static CascadingTimeoutOptions Read(OptionReader reader) => new() { Timeout = reader.Millis("timeoutMilliseconds", 30_000, 1, 86_400_000) };
}
