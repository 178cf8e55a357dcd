using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Hedging;
using UltimateResilience.Common;

namespace UltimateResilience.Hedging;

/// <summary><c>resilience/hedging</c>: Polly's <c>AddHedging</c>; its default action runs the call again.</summary>
internal sealed class HedgingStrategy(IResilienceHost host) : ResultsOnlyFactory<HedgingOptions>(host)
{
    public override string Name => "hedging";

    public override string Description => "Polly's hedging (results only): starts the call again after a delay or a failure, the first answer wins";

    public override HedgingOptions Read(OptionReader reader) => HedgingOptions.Read(reader, Host);

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, HedgingOptions options)
    {
        var handle = options.Handle;
        var polly = new HedgingStrategyOptions<TResult>
        {
            Name = options.Name,
            MaxHedgedAttempts = options.MaxHedgedAttempts,
            Delay = options.Delay,
        };
        if (handle is not null)
        {
            polly.ShouldHandle = args => new ValueTask<bool>(handle.Matches(args.Outcome));
        }

        builder.AddHedging(polly);
    }
}
