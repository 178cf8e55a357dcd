using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Behavior;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;
using Polly.Simmy.Outcomes;
using UltimateResilience.Common;
using UltimateResilience.Fallback;

namespace UltimateResilience.Chaos;

/// <summary>The four chaos strategies on Polly's Simmy, seeded through Polly's randomizer.</summary>
internal sealed class ChaosStrategy(IResilienceHost host, ChaosKind kind) : ResilienceFactory<ChaosOptions>(host)
{
    public override string Name => "chaos-" + kind.ToString().ToLowerInvariant();

    public override string Description => kind switch
    {
        ChaosKind.Fault => "Polly chaos: throws a fault instead of calling, at an injection rate (seedable)",
        ChaosKind.Latency => "Polly chaos: waits before calling, at an injection rate (seedable)",
        ChaosKind.Outcome => "Polly chaos (results only): returns a configured result instead of calling (seedable)",
        _ => "Polly chaos: cancels or pauses (garbage collection) before calling, at an injection rate (seedable)",
    };

    public override bool ResultsOnly => kind == ChaosKind.Outcome;

    public override ChaosOptions Read(OptionReader reader) => ChaosOptions.Read(reader, kind);

    protected override void Add(ResiliencePipelineBuilder builder, ChaosOptions options) => AddAny(builder, options);

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, ChaosOptions options)
    {
        if (kind != ChaosKind.Outcome)
        {
            AddAny(builder, options);
            return;
        }

        var value = FallbackStrategy.Convert<TResult>(options.Value);
        builder.AddChaosOutcome(Configure(new ChaosOutcomeStrategyOptions<TResult> { OutcomeGenerator = _ => new ValueTask<Outcome<TResult>?>(Outcome.FromResult(value)) }, options));
    }

    private void AddAny<TBuilder>(TBuilder builder, ChaosOptions options)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        switch (kind)
        {
            case ChaosKind.Fault:
                var message = options.Message;
                Func<Exception> fault = options.Fault switch
                {
                    "timeout" => () => new TimeoutException(message),
                    "invalid-operation" => () => new InvalidOperationException(message),
                    _ => () => new IOException(message),
                };
                builder.AddChaosFault(Configure(new ChaosFaultStrategyOptions { FaultGenerator = _ => new ValueTask<Exception?>(fault()) }, options));
                break;
            case ChaosKind.Latency:
                builder.AddChaosLatency(Configure(new ChaosLatencyStrategyOptions { Latency = options.Latency }, options));
                break;
            case ChaosKind.Behavior:
                var cancel = options.Behavior == "cancel";
                builder.AddChaosBehavior(Configure(new ChaosBehaviorStrategyOptions
                {
                    BehaviorGenerator = args =>
                    {
                        if (cancel)
                        {
                            throw new OperationCanceledException("chaos behavior: cancelled", args.Context.CancellationToken);
                        }

                        GC.Collect();
                        return default;
                    },
                }, options));
                break;
            default:
                throw new NotSupportedException("resilience/chaos-outcome works only in a pipeline for results");
        }
    }

    private static T Configure<T>(T chaos, ChaosOptions options)
        where T : ChaosStrategyOptions
    {
        chaos.Name = options.Name;
        chaos.InjectionRate = options.InjectionRate;
        chaos.Enabled = options.Enabled;
        if (Common.Options.Randomizer(options.Seed) is { } randomizer)
        {
            chaos.Randomizer = randomizer;
        }

        return chaos;
    }
}

/// <summary>Which chaos strategy.</summary>
internal enum ChaosKind
{
    Fault,
    Latency,
    Outcome,
    Behavior,
}
