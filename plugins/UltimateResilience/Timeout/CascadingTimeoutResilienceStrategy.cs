using System.Runtime.CompilerServices;
using Microsoft.Extensions.ObjectPool;
using Polly;
using Polly.Telemetry;
using Polly.Timeout;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// The cascading timeout in one strategy: sets or narrows the context's deadline for the inner strategies, rejects a call
/// whose deadline has passed, and times the call out at its deadline as Polly's timeout does (a cancellation source on the
/// pipeline's clock replaces the context's token, linked to the caller's; when it fires, the <c>OnTimeout</c> event is
/// reported and the call's <see cref="OperationCanceledException"/> becomes a <see cref="TimeoutRejectedException"/>), then
/// restores the deadline and the token. The deadline boxes and, on the system clock, the cancellation sources are pooled,
/// so the success path allocates nothing once warm.
/// </summary>
/// <remarks>
/// Polly keeps the setter of <see cref="ResilienceContext.CancellationToken"/> internal (Polly PR #1420), so a custom strategy
/// cannot give the call a token of its own through the public API; Polly's timeout does it through that setter. This strategy
/// calls the same setter through <see cref="UnsafeAccessorAttribute"/> (no reflection at run time), which is what lets one
/// strategy carry the deadline and time out at it (before, a deadline strategy in front of Polly's timeout cost twice
/// Polly's timeout). Polly.Core is pinned centrally; <see cref="EnsureAvailable"/> fails a build of the pipeline with a
/// clear message should a Polly version lack the setter, and a test checks it.
/// </remarks>
internal sealed class CascadingTimeoutResilienceStrategy(TimeSpan timeout, string name, TimeProvider time, ResilienceStrategyTelemetry telemetry)
    : ResilienceStrategy, IAfterCall<CascadingTimeoutResilienceStrategy.Running>
{
    private static readonly ResilienceEvent Rejected = new(ResilienceEventSeverity.Warning, "OnDeadlineExceeded");
    private static readonly ResilienceEvent TimedOut = new(ResilienceEventSeverity.Error, "OnTimeout");

    private readonly DefaultObjectPool<StrongBox<DateTimeOffset>> _boxes = new(new DefaultPooledObjectPolicy<StrongBox<DateTimeOffset>>());
    private readonly TimeoutSources _sources = new(time);

    /// <summary>Throws <see cref="NotSupportedException"/> when the Polly.Core loaded has no internal setter of the context's token.</summary>
    public static void EnsureAvailable()
    {
        var probe = ResilienceContextPool.Shared.Get();
        try
        {
            SetCancellationToken(probe, CancellationToken.None);
        }
        catch (MissingMethodException ex)
        {
            throw new NotSupportedException(
                $"resilience/timeout-cascading needs ResilienceContext.CancellationToken's setter, which Polly.Core {typeof(ResilienceContext).Assembly.GetName().Version} does not have: {ex.Message}", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(probe);
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_CancellationToken")]
    private static extern void SetCancellationToken(ResilienceContext context, CancellationToken value);

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var now = time.GetUtcNow();
        StrongBox<DateTimeOffset> box;
        DateTimeOffset saved = default;
        bool owned;
        var allowed = timeout;
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

            box = outer;
            saved = outer.Value;
            owned = false;
            if (timeout < remaining)
            {
                outer.Value = now + timeout;
            }
            else
            {
                allowed = remaining;
            }
        }
        else
        {
            box = _boxes.Get();
            box.Value = now + timeout;
            owned = true;
            context.Properties.Set(CascadingTimeoutOptions.DeadlineKey, box);
        }

        var previous = context.CancellationToken;
        var source = _sources.Rent(allowed);
        SetCancellationToken(context, source.Token);
        var registration = previous.CanBeCanceled
            ? previous.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source)
            : default;

        ValueTask<Outcome<TResult>> pending;
        try
        {
            pending = callback(context, state);
        }
        catch (Exception ex)
        {
            pending = new(Outcome.FromException<TResult>(ex));
        }

        return pending.Then(context, this, new Running(context, box, saved, owned, allowed, previous, source, registration));
    }

    /// <summary>Restores the token and the deadline (an outer one's value, or none, the box back in the pool); a call cancelled by this timeout is its rejection.</summary>
    public Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, Running running)
    {
        var context = running.Context;
        var timedOut = running.Source.IsCancellationRequested;
        SetCancellationToken(context, running.Previous);
        running.Registration.Dispose();
        _sources.Return(running.Source);
        if (running.Owned)
        {
            context.Properties.Set(CascadingTimeoutOptions.DeadlineKey, null);
            _boxes.Return(running.Box);
        }
        else
        {
            running.Box.Value = running.Saved;
        }

        if (timedOut && outcome.Exception is OperationCanceledException cancelled && !running.Previous.IsCancellationRequested)
        {
            telemetry.Report(TimedOut, context, new OnTimeoutArguments(context, running.Timeout));
            var rejected = new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{running.Timeout}'.", running.Timeout, cancelled);
            telemetry.SetTelemetrySource(rejected);
            return Outcome.FromException<TResult>(rejected);
        }

        return outcome;
    }

    /// <summary>What a call noted on entry, for <see cref="Completed"/>.</summary>
    internal readonly record struct Running(
        ResilienceContext Context,
        StrongBox<DateTimeOffset> Box,
        DateTimeOffset Saved,
        bool Owned,
        TimeSpan Timeout,
        CancellationToken Previous,
        CancellationTokenSource Source,
        CancellationTokenRegistration Registration);
}
