using System.Globalization;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Fallback;
using UltimateResilience.Common;

namespace UltimateResilience.Fallback;

/// <summary><c>resilience/fallback</c>: Polly's <c>AddFallback</c> with a configured value.</summary>
internal sealed class FallbackStrategy(IResilienceHost host) : ResultsOnlyFactory<FallbackOptions>(host)
{
    public override string Name => "fallback";

    public override string Description => "Polly's fallback (results only): a handled outcome is replaced by a configured value";

    public override FallbackOptions Read(OptionReader reader) => FallbackOptions.Read(reader, Host);

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, FallbackOptions options)
    {
        var handle = options.Handle;
        var value = Convert<TResult>(options.Value);
        var polly = new FallbackStrategyOptions<TResult>
        {
            Name = options.Name,
            FallbackAction = _ => Outcome.FromResultAsValueTask(value),
        };
        if (handle is not null)
        {
            polly.ShouldHandle = args => new ValueTask<bool>(handle.Matches(args.Outcome));
        }

        builder.AddFallback(polly);
    }

    /// <summary>The configured text as a <typeparamref name="TResult"/> (the text itself for <c>object</c> and <c>string</c>).</summary>
    internal static TResult Convert<TResult>(string text) =>
        typeof(TResult) == typeof(object) ? (TResult)(object)text : (TResult)System.Convert.ChangeType(text, typeof(TResult), CultureInfo.InvariantCulture);
}
