using System.Globalization;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Telemetry;
using UltimateResilience.Common;

namespace UltimateResilience.Bulkhead;

/// <summary><c>resilience/bulkhead-partitioned</c>: the factory.</summary>
internal sealed class PartitionedBulkheadStrategy(IResilienceHost host) : CustomStrategyFactory<PartitionedBulkheadOptions>(host)
{
    public override string Name => "bulkhead-partitioned";

    public override string Description => "Per-partition shares of a concurrency limit; idle capacity is borrowed while the total is below the limit";

    public override PartitionedBulkheadOptions Read(OptionReader reader) => PartitionedBulkheadOptions.Read(reader);

    public override ResilienceStrategy Create(StrategyBuilderContext context, PartitionedBulkheadOptions options) =>
        ResilienceBuilderExtensions.Partitioned(context, options);
}

/// <summary>The partitioned limiter: counts per partition and in total under one lock; the success path allocates nothing.</summary>
internal sealed class PartitionedBulkhead : ResilienceStrategy, IAfterCall<int>
{
    private readonly Lock _gate = new();
    private readonly string[] _names;
    private readonly int[] _shares;
    private readonly int[] _inflight;
    private readonly int _default;
    private readonly int _limit;
    private readonly string _name;
    private readonly ResilienceStrategyTelemetry _telemetry;
    private int _total;

    public PartitionedBulkhead(PartitionedBulkheadOptions options, ResilienceStrategyTelemetry telemetry)
    {
        _limit = options.Limit;
        _names = [.. options.Partitions.Select(p => p.Name)];
        _shares = [.. options.Partitions.Select(p => (int)Math.Ceiling(options.Limit * p.Share))];
        _inflight = new int[_names.Length];
        _default = options.DefaultPartition is { } name ? Array.IndexOf(_names, name) : 0;
        _name = options.Name ?? "bulkhead-partitioned";
        _telemetry = telemetry;
    }

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        var partition = _default;
        if (context.Properties.TryGetValue(PartitionedBulkheadOptions.PartitionKey, out var key))
        {
            var index = Array.IndexOf(_names, key);
            partition = index >= 0 ? index : _default;
        }

        lock (_gate)
        {
            if (_total >= _limit && _inflight[partition] >= _shares[partition])
            {
                return new(_telemetry.Reject<TResult>(context, _name, "partitioned", string.Create(CultureInfo.InvariantCulture,
                    $"the limit of {_limit} is reached and partition '{_names[partition]}' has its share of {_shares[partition]} running")));
            }

            _total++;
            _inflight[partition]++;
        }

        return callback(context, state).Then(context, this, partition);
    }

    public Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, int token)
    {
        Release(token);
        return outcome;
    }

    private void Release(int partition)
    {
        lock (_gate)
        {
            _total--;
            _inflight[partition]--;
        }
    }
}
