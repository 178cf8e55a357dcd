using Polly;
using Polly.Timeout;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>The outer half of the adaptive timeout: times each call (the pipeline's time provider) into the latency window.</summary>
internal sealed class LatencyRecordingStrategy(LatencyWindow window, TimeProvider time) : ResilienceStrategy, IAfterCall<(TimeSpan Timeout, long Started)>
{
    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var timeout = window.Timeout;
        var started = time.GetTimestamp();
        return callback(context, state).Then(context, this, (timeout, started));
    }

    /// <summary>A timed-out call counts with the timeout it had; a call the caller cancelled does not count.</summary>
    public Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, (TimeSpan Timeout, long Started) token)
    {
        if (outcome.Exception is TimeoutRejectedException)
        {
            window.Record(token.Timeout);
        }
        else if (outcome.Exception is not OperationCanceledException)
        {
            window.Record(time.GetElapsedTime(token.Started));
        }

        return outcome;
    }
}
