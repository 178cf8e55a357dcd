using System.Globalization;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Telemetry;
using UltimateResilience.Common;

namespace UltimateResilience.Bulkhead;

/// <summary><c>resilience/bulkhead-priority</c>: the factory.</summary>
internal sealed class PriorityBulkheadStrategy(IResilienceHost host) : CustomStrategyFactory<PriorityBulkheadOptions>(host)
{
    public override string Name => "bulkhead-priority";

    public override string Description => "A concurrency limit whose queue admits the highest priority first and sheds the lowest when full";

    public override PriorityBulkheadOptions Read(OptionReader reader) => PriorityBulkheadOptions.Read(reader);

    public override ResilienceStrategy Create(StrategyBuilderContext context, PriorityBulkheadOptions options) =>
        ResilienceBuilderExtensions.Priority(context, options);
}

/// <summary>
/// The priority limiter: a permit count and a sorted set of waiters under one lock. A call that gets a permit at once
/// allocates nothing; a waiting call allocates its waiter.
/// </summary>
internal sealed class PriorityBulkhead : ResilienceStrategy, IAfterCall<bool>
{
    private readonly Lock _gate = new();
    private readonly SortedSet<Waiter> _waiting = new(Waiter.HighestFirst);
    private readonly int _permits;
    private readonly int _queueLimit;
    private readonly string _name;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private int _running;
    private long _sequence;

    public PriorityBulkhead(PriorityBulkheadOptions options, ResilienceStrategyTelemetry telemetry)
    {
        _permits = options.PermitLimit;
        _queueLimit = options.QueueLimit;
        _name = options.Name ?? "bulkhead-priority";
        _telemetry = telemetry;
    }

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var priority = context.Properties.GetValue(PriorityBulkheadOptions.PriorityKey, 0);
        Waiter? waiter = null;
        Waiter? shed = null;
        lock (_gate)
        {
            if (_running < _permits && _waiting.Count == 0)
            {
                _running++;
            }
            else if (_waiting.Count < _queueLimit)
            {
                waiter = new Waiter(priority, _sequence++);
                _waiting.Add(waiter);
            }
            else if (_queueLimit > 0 && _waiting.Max!.Priority < priority)
            {
                shed = _waiting.Max;
                _waiting.Remove(shed);
                waiter = new Waiter(priority, _sequence++);
                _waiting.Add(waiter);
            }
            else
            {
                return new(Reject<TResult>(context, string.Create(CultureInfo.InvariantCulture,
                    $"{_running} calls running (permitLimit {_permits}) and {_waiting.Count} waiting (queueLimit {_queueLimit}), none of lower priority than {priority}")));
            }
        }

        shed?.Admission.TrySetResult(false);
        if (waiter is null)
        {
            return callback(context, state).Then(context, this, true);
        }

        return Queued(waiter, callback, context, state);
    }

    private async ValueTask<Outcome<TResult>> Queued<TResult, TState>(
        Waiter waiter, Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        bool admitted;
        using (context.CancellationToken.UnsafeRegister(static (w, token) => ((Waiter)w!).Admission.TrySetCanceled(token), waiter))
        {
            try
            {
                admitted = await waiter.Admission.Task.ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (OperationCanceledException ex)
            {
                // Cancelled before a permit came (a permit handed over completes the task first, and it cannot be cancelled after).
                lock (_gate)
                {
                    _waiting.Remove(waiter);
                }

                return Outcome.FromException<TResult>(ex);
            }
        }

        if (!admitted)
        {
            return Reject<TResult>(context, string.Create(CultureInfo.InvariantCulture, $"shed from the queue (priority {waiter.Priority}) for a call of higher priority"));
        }

        return await callback(context, state).Then(context, this, true).ConfigureAwait(context.ContinueOnCapturedContext);
    }

    /// <summary>The call ended: its permit goes to the next waiting call.</summary>
    public Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, bool token)
    {
        Release();
        return outcome;
    }

    private Outcome<TResult> Reject<TResult>(ResilienceContext context, string reason)
    {
        return _telemetry.Reject<TResult>(context, _name, "priority", reason);
    }

    private void Release()
    {
        lock (_gate)
        {
            ReleaseLocked();
        }
    }

    /// <summary>Hands the permit to the highest waiting call, or returns it.</summary>
    private void ReleaseLocked()
    {
        while (_waiting.Min is { } next)
        {
            _waiting.Remove(next);
            if (next.Admission.TrySetResult(true))
            {
                return; // the permit passes over: _running unchanged
            }
        }

        _running--;
    }

    private sealed class Waiter(int priority, long sequence)
    {
        /// <summary>Highest priority first, then arrival order: <c>Min</c> is the next to admit, <c>Max</c> the first to shed.</summary>
        public static readonly IComparer<Waiter> HighestFirst = Comparer<Waiter>.Create(static (a, b) =>
            a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Sequence.CompareTo(b.Sequence));

        public int Priority { get; } = priority;

        public long Sequence { get; } = sequence;

        public TaskCompletionSource<bool> Admission { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
