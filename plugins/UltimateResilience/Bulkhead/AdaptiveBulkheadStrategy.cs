using System.Globalization;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Telemetry;
using UltimateResilience.Common;

namespace UltimateResilience.Bulkhead;

/// <summary><c>resilience/bulkhead-adaptive</c>: the factory.</summary>
internal sealed class AdaptiveBulkheadStrategy(IResilienceHost host) : CustomStrategyFactory<AdaptiveBulkheadOptions>(host)
{
    public override string Name => "bulkhead-adaptive";

    public override string Description => "A concurrency limit moved by measured latency: AIMD, Vegas or Gradient2 (Netflix concurrency-limits)";

    public override AdaptiveBulkheadOptions Read(OptionReader reader) => AdaptiveBulkheadOptions.Read(reader, Host);

    public override ResilienceStrategy Create(StrategyBuilderContext context, AdaptiveBulkheadOptions options) =>
        ResilienceBuilderExtensions.Adaptive(context, options);
}

/// <summary>The adaptive limiter: admits while in flight is under the algorithm's limit, times every call and samples it.</summary>
internal sealed class AdaptiveBulkhead(AdaptiveBulkheadOptions options, TimeProvider time, ResilienceStrategyTelemetry telemetry)
    : ResilienceStrategy, IAfterCall<(long Started, int Inflight)>
{
    private readonly Lock _gate = new();
    private readonly ILimitAlgorithm _algorithm = options.CreateAlgorithm();
    private readonly ResiliencePredicate? _handle = options.Handle;
    private readonly string _name = options.Name ?? "bulkhead-adaptive";
    private int _inflight;

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        int inflight;
        lock (_gate)
        {
            if (_inflight >= (int)_algorithm.Limit)
            {
                return new(telemetry.Reject<TResult>(context, _name, "adaptive", string.Create(CultureInfo.InvariantCulture,
                    $"{_inflight} calls running, at the {options.Algorithm} limit of {(int)_algorithm.Limit}")));
            }

            inflight = ++_inflight;
        }

        var started = time.GetTimestamp();
        return callback(context, state).Then(context, this, (started, inflight));
    }

    public Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, (long Started, int Inflight) token)
    {
        var rtt = time.GetElapsedTime(token.Started);
        var dropped = _handle is null ? outcome.Exception is not null and not OperationCanceledException : _handle.Matches(outcome);
        lock (_gate)
        {
            _inflight--;
            _algorithm.Sample(rtt, token.Inflight, dropped);
        }

        return outcome;
    }
}
