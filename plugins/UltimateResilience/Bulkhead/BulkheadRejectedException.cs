using Polly;

namespace UltimateResilience.Bulkhead;

/// <summary>A call a bulkhead did not admit (full, shed for a higher priority, or over its partition's share), naming the bulkhead and why.</summary>
public sealed class BulkheadRejectedException : ExecutionRejectedException
{
    /// <summary>Creates the rejection.</summary>
    public BulkheadRejectedException(string bulkhead, string type, string reason)
        : base($"bulkhead '{bulkhead}' (resilience/bulkhead-{type}) rejected the call: {reason}")
    {
        Bulkhead = bulkhead;
        Type = type;
        Reason = reason;
    }

    /// <summary>The bulkhead's name (<c>PIPELINE[INDEX]</c> for one built from <c>plugins.json</c>).</summary>
    public string Bulkhead { get; }

    /// <summary>The bulkhead's kind in the catalogue (<c>partitioned</c>, <c>priority</c>, ...).</summary>
    public string Type { get; }

    /// <summary>Why the call was not admitted.</summary>
    public string Reason { get; }
}
