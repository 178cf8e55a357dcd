using Polly.CircuitBreaker;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// A call a custom circuit breaker did not let through: a <see cref="BrokenCircuitException"/> (so Polly's handling of an open
/// circuit applies, and the kernel's <c>transient</c> predicate does not retry it) that names the breaker and says why.
/// </summary>
public sealed class CircuitRejectedException : BrokenCircuitException
{
    /// <summary>Creates the rejection.</summary>
    public CircuitRejectedException(string breaker, string type, CircuitState state, string reason, TimeSpan retryAfter)
        : base($"circuit breaker '{breaker}' (resilience/breaker-{type}) is {state.ToString().ToLowerInvariant()}: {reason}; retry after {retryAfter.TotalMilliseconds} ms", retryAfter)
    {
        Breaker = breaker;
        Type = type;
        State = state;
        Reason = reason;
    }

    /// <summary>The breaker's name (<c>PIPELINE[INDEX]</c> for one built from <c>plugins.json</c>).</summary>
    public string Breaker { get; }

    /// <summary>The breaker's kind in the catalogue (<c>consecutive</c>, <c>count-based</c>, ...).</summary>
    public string Type { get; }

    /// <summary>The state that rejected the call: open, isolated, or half-open with no permit left.</summary>
    public CircuitState State { get; }

    /// <summary>Why the circuit is in that state (the threshold crossed, or the manual isolation).</summary>
    public string Reason { get; }
}
