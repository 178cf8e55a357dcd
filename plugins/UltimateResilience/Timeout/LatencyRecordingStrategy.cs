using Polly;
using Polly.Timeout;

namespace UltimateResilience.Timeout;

/// <summary>The outer half of the adaptive timeout: times each call (the pipeline's time provider) into the latency window.</summary>
internal sealed class LatencyRecordingStrategy(LatencyWindow window, TimeProvider time) : ResilienceStrategy
{
    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var timeout = window.Timeout;
        var started = time.GetTimestamp();
        var pending = callback(context, state);
        if (!pending.IsCompletedSuccessfully)
        {
            return Awaited(pending, context, timeout, started);
        }

        Record(pending.Result, timeout, started);
        return pending;
    }

    private async ValueTask<Outcome<TResult>> Awaited<TResult>(ValueTask<Outcome<TResult>> pending, ResilienceContext context, TimeSpan timeout, long started)
    {
        var outcome = await pending.ConfigureAwait(context.ContinueOnCapturedContext);
        Record(outcome, timeout, started);
        return outcome;
    }

    /// <summary>A timed-out call counts with the timeout it had; a call the caller cancelled does not count.</summary>
    private void Record<TResult>(in Outcome<TResult> outcome, TimeSpan timeout, long started)
    {
        if (outcome.Exception is TimeoutRejectedException)
        {
            window.Record(timeout);
        }
        else if (outcome.Exception is not OperationCanceledException)
        {
            window.Record(time.GetElapsedTime(started));
        }
    }
}
