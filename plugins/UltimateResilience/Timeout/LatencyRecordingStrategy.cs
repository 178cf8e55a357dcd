using Polly;
using Polly.Timeout;

namespace UltimateResilience.Timeout;

/// <summary>The outer half of the adaptive timeout: times each call (the pipeline's time provider) into the latency window.</summary>
internal sealed class LatencyRecordingStrategy(LatencyWindow window, TimeProvider time) : ResilienceStrategy
{
    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var timeout = window.Timeout;
        var started = time.GetTimestamp();
        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        if (outcome.Exception is not OperationCanceledException || outcome.Exception is TimeoutRejectedException)
        {
            window.Record(outcome.Exception is TimeoutRejectedException ? timeout : time.GetElapsedTime(started));
        }

        return outcome;
    }
}
