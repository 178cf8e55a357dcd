using Kernel.Sdk.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.Telemetry;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// A custom circuit breaker as a Polly strategy: asks the <see cref="CircuitCore"/> on entry, times the call when a slow-call
/// threshold or the window needs it (with the pipeline's <see cref="TimeProvider"/>), records the outcome, and reports
/// Polly's breaker events (<c>OnCircuitOpened</c>, <c>OnCircuitHalfOpened</c>, <c>OnCircuitClosed</c>) through the pipeline's
/// telemetry. The success path allocates nothing.
/// </summary>
internal sealed class CircuitBreakerResilienceStrategy : ResilienceStrategy, IAfterCall<(Admission Admission, long Started, ResilienceContext Context)>, IDisposable
{
    private static readonly ResilienceEvent Opened = new(ResilienceEventSeverity.Error, "OnCircuitOpened");
    private static readonly ResilienceEvent HalfOpened = new(ResilienceEventSeverity.Warning, "OnCircuitHalfOpened");
    private static readonly ResilienceEvent Closed = new(ResilienceEventSeverity.Information, "OnCircuitClosed");

    private readonly ResiliencePredicate? _handle;
    private readonly TimeSpan? _slow;
    private readonly TimeProvider _time;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private readonly CircuitControl? _control;
    private readonly string _name;
    private readonly string _type;

    public CircuitBreakerResilienceStrategy(CircuitBreakerOptionsBase options, TimeProvider time, ResilienceStrategyTelemetry telemetry)
    {
        Core = new CircuitCore(options);
        _handle = options.Handle;
        _slow = options.SlowCallDuration;
        _time = time;
        _telemetry = telemetry;
        _name = options.Name ?? options.Type;
        _type = options.Type;
        _control = options.Control;
        _control?.Attach(this);
    }

    public CircuitCore Core { get; }

    public void Dispose() => _control?.Detach(this);

    public void Isolate()
    {
        if (Core.Isolate())
        {
            Report(Opened, Outcome.FromResult<object?>(null), manual: true);
        }
    }

    public void Close()
    {
        if (Core.Close())
        {
            Report(Closed, Outcome.FromResult<object?>(null), manual: true);
        }
    }

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var admission = Core.Enter(_time.GetUtcNow().UtcTicks, out var transition);
        if (transition == Transition.HalfOpened)
        {
            _telemetry.Report(HalfOpened, context, new OnCircuitHalfOpenedArguments(context));
        }

        if (!admission.Allowed)
        {
            var rejected = new CircuitRejectedException(_name, _type, admission.State, admission.Reason ?? "rejected", admission.RetryAfter);
            _telemetry.SetTelemetrySource(rejected);
            return new(Outcome.FromException<TResult>(rejected));
        }

        var started = Core.NeedsDuration ? _time.GetTimestamp() : 0;
        return callback(context, state).Then(context, this, (admission, started, context));
    }

    public Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, (Admission Admission, long Started, ResilienceContext Context) token)
    {
        var duration = Core.NeedsDuration ? _time.GetElapsedTime(token.Started) : TimeSpan.Zero;
        var failure = _handle is null
            ? outcome.Exception is not null and not OperationCanceledException
            : _handle.Matches(outcome);
        if (_slow is { } slow && duration >= slow)
        {
            failure = true;
        }

        var transition = Core.Record(token.Admission, failure, duration, _time.GetUtcNow().UtcTicks);
        if (transition == Transition.Opened)
        {
            _telemetry.Report(Opened, token.Context, outcome, new OnCircuitOpenedArguments<TResult>(token.Context, outcome, Core.CurrentBreak, false));
        }
        else if (transition == Transition.Closed)
        {
            _telemetry.Report(Closed, token.Context, outcome, new OnCircuitClosedArguments<TResult>(token.Context, outcome, false));
        }

        return outcome;
    }

    private void Report(ResilienceEvent @event, Outcome<object?> outcome, bool manual)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            if (@event.EventName == Opened.EventName)
            {
                _telemetry.Report(@event, context, outcome, new OnCircuitOpenedArguments<object?>(context, outcome, System.Threading.Timeout.InfiniteTimeSpan, manual));
            }
            else
            {
                _telemetry.Report(@event, context, outcome, new OnCircuitClosedArguments<object?>(context, outcome, manual));
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
