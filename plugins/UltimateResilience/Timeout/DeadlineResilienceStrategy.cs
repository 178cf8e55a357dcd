using System.Runtime.CompilerServices;
using Polly;
using Polly.Telemetry;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// The deadline half of the cascading timeout: sets or narrows the context's deadline for the inner strategies (Polly's timeout
/// reads it), restores it after, and rejects a call whose deadline has passed. The boxes holding deadlines are pooled, so the
/// success path allocates nothing once warm.
/// </summary>
internal sealed class DeadlineResilienceStrategy(TimeSpan timeout, string name, TimeProvider time, ResilienceStrategyTelemetry telemetry)
    : ResilienceStrategy, IAfterCall<(StrongBox<DateTimeOffset> Box, DateTimeOffset Saved, bool Pooled, ResilienceContext Context)>
{
    private static readonly ResilienceEvent Rejected = new(ResilienceEventSeverity.Warning, "OnDeadlineExceeded");

    private readonly Lock _gate = new();
    private readonly Stack<StrongBox<DateTimeOffset>> _boxes = new();

    /// <summary>The timeout Polly's timeout strategy applies after this one: what remains of the deadline.</summary>
    public static TimeSpan Remaining(ResilienceContext context, TimeSpan fallback, TimeProvider time)
    {
        if (context.Properties.TryGetValue(CascadingTimeoutOptions.DeadlineKey, out var box) && box is not null)
        {
            var remaining = box.Value - time.GetUtcNow();
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1);
        }

        return fallback;
    }

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var now = time.GetUtcNow();
        if (context.Properties.TryGetValue(CascadingTimeoutOptions.DeadlineKey, out var outer) && outer is not null)
        {
            var remaining = outer.Value - now;
            if (remaining <= TimeSpan.Zero)
            {
                var rejected = new DeadlineExceededException(name, -remaining);
                telemetry.Report(Rejected, context, rejected.Overdue);
                telemetry.SetTelemetrySource(rejected);
                return new(Outcome.FromException<TResult>(rejected));
            }

            var saved = outer.Value;
            if (timeout < remaining)
            {
                outer.Value = now + timeout;
            }

            return callback(context, state).Then(context, this, (outer, saved, false, context));
        }

        var box = Rent();
        box.Value = now + timeout;
        context.Properties.Set(CascadingTimeoutOptions.DeadlineKey, box);
        return callback(context, state).Then(context, this, (box, default(DateTimeOffset), true, context));
    }

    /// <summary>Restores the deadline: an outer one's value, or no deadline (the box back in the pool) for the outermost.</summary>
    public void Completed<TResult>(in Outcome<TResult> outcome, (StrongBox<DateTimeOffset> Box, DateTimeOffset Saved, bool Pooled, ResilienceContext Context) token)
    {
        if (!token.Pooled)
        {
            token.Box.Value = token.Saved;
            return;
        }

        token.Context.Properties.Set(CascadingTimeoutOptions.DeadlineKey, null);
        Return(token.Box);
    }

    private StrongBox<DateTimeOffset> Rent()
    {
        lock (_gate)
        {
            return _boxes.TryPop(out var box) ? box : new StrongBox<DateTimeOffset>();
        }
    }

    private void Return(StrongBox<DateTimeOffset> box)
    {
        lock (_gate)
        {
            if (_boxes.Count < 64)
            {
                _boxes.Push(box);
            }
        }
    }
}
