using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// What every custom circuit breaker of the plugin shares: what counts as a failure (a handled outcome, or a call slower than
/// <see cref="SlowCallDuration"/>), how many probe calls the half-open circuit admits, how long it stays open (growing by
/// <see cref="BreakBackoffFactor"/> each time it opens again without closing in between), and manual control.
/// </summary>
/// <remarks>
/// Options in <c>plugins.json</c>: <c>handle</c> (predicate names, default <c>any</c>), <c>slowCallMilliseconds</c> (0..3600000,
/// default 0: off), <c>halfOpenPermits</c> (1..1000, default 1), <c>breakMilliseconds</c> (1..3600000, default 5000),
/// <c>breakBackoffFactor</c> (1..10, default 2; 1: every break is as long), <c>maxBreakMilliseconds</c> (1..86400000,
/// default 60000, at least <c>breakMilliseconds</c>), <c>control</c> (a name, default none: the breaker joins the plugin's
/// <see cref="CircuitControl"/> of that name, fetched from its <see cref="Kernel.Sdk.Resilience.ICircuitControls"/>).
/// </remarks>
public abstract class CircuitBreakerOptionsBase : ResilienceStrategyOptions
{
    private protected CircuitBreakerOptionsBase(string type) => Type = type;

    /// <summary>The strategy's name in the catalogue (<c>consecutive</c>, <c>count-based</c>, ...), as rejections name it.</summary>
    public string Type { get; }

    /// <summary>What counts as a failure. Default (null): every exception but <see cref="OperationCanceledException"/>.</summary>
    public ResiliencePredicate? Handle { get; set; }

    /// <summary>A call taking at least this long counts as a failure, whatever its outcome. Default null: off.</summary>
    public TimeSpan? SlowCallDuration { get; set; }

    /// <summary>Probe calls the half-open circuit admits; all must succeed to close it, one failure opens it again. Default 1.</summary>
    public int HalfOpenPermits { get; set; } = 1;

    /// <summary>How long the circuit stays open the first time. Default 5 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Each reopening without a close in between multiplies the break by this factor. Default 2 (1: no backoff).</summary>
    public double BreakBackoffFactor { get; set; } = 2;

    /// <summary>The longest break the backoff reaches. Default 60 seconds.</summary>
    public TimeSpan MaxBreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Reads the circuit's state and isolates or closes it by hand; one control may serve several breakers. Default none.</summary>
    public CircuitControl? Control { get; set; }

    /// <summary>The health window that decides when the closed circuit opens.</summary>
    internal abstract IHealthWindow CreateWindow();

    /// <summary>How the half-open circuit admits calls; default: up to <see cref="HalfOpenPermits"/> probes.</summary>
    internal virtual (int Steps, int SuccessesPerStep) Ramp => (0, 0);

    /// <summary>Reads the options every breaker shares.</summary>
    internal void ReadCommon(OptionReader reader, IResilienceHost host)
    {
        Handle = host.ReadPredicate(reader, "handle", "any");
        var slow = reader.Millis("slowCallMilliseconds", 0, 0, 3_600_000);
        SlowCallDuration = slow > TimeSpan.Zero ? slow : null;
        HalfOpenPermits = reader.Int("halfOpenPermits", 1, 1, 1000);
        BreakDuration = reader.Millis("breakMilliseconds", 5000, 1, 3_600_000);
        BreakBackoffFactor = reader.Double("breakBackoffFactor", 2, 1, 10);
        MaxBreakDuration = reader.Millis("maxBreakMilliseconds", 60_000, 1, 86_400_000);
        if (MaxBreakDuration < BreakDuration)
        {
            reader.Fail($"Option 'maxBreakMilliseconds' is {MaxBreakDuration.TotalMilliseconds}; it must be at least 'breakMilliseconds' ({BreakDuration.TotalMilliseconds}).");
        }
    }
}
