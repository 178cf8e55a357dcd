using Polly;
using Polly.Telemetry;

namespace UltimateResilience.Bulkhead;

/// <summary>How every custom bulkhead rejects: the exception, Polly's <c>OnBulkheadRejected</c> event, and the outcome.</summary>
internal static class BulkheadRejections
{
    private static readonly ResilienceEvent Rejected = new(ResilienceEventSeverity.Warning, "OnBulkheadRejected");

    public static Outcome<TResult> Reject<TResult>(this ResilienceStrategyTelemetry telemetry, ResilienceContext context, string bulkhead, string type, string reason)
    {
        var rejected = new BulkheadRejectedException(bulkhead, type, reason);
        telemetry.Report(Rejected, context, reason);
        telemetry.SetTelemetrySource(rejected);
        return Outcome.FromException<TResult>(rejected);
    }
}
