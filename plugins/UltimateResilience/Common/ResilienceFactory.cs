using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;

namespace UltimateResilience.Common;

/// <summary>
/// What every strategy of the plugin shares: one read function over an <see cref="OptionReader"/> serves
/// <see cref="ValidateOptions"/> and the binding of an entry's options to the strategy's public options class, named after the
/// entry (<c>PIPELINE[INDEX]</c>) for Polly's telemetry.
/// </summary>
internal abstract class ResilienceFactory<TOptions>(IResilienceHost host) : IResilienceStrategy
    where TOptions : ResilienceStrategyOptions
{
    protected IResilienceHost Host { get; } = host;

    public StrategyCategory Category => StrategyCategory.Resilience;

    public abstract string Name { get; }

    public abstract string Description { get; }

    public virtual bool ResultsOnly => false;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, Read);

    public void AddTo(ResiliencePipelineBuilder builder, ResilienceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Add(builder, Bind(entry));
    }

    public void AddTo<TResult>(ResiliencePipelineBuilder<TResult> builder, ResilienceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Add(builder, Bind(entry));
    }

    /// <summary>The entry's options as the strategy's options object (throws <see cref="StrategyOptionsException"/> with every problem).</summary>
    public TOptions Bind(ResilienceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var options = OptionReader.Bind(entry.Options, Read);
        options.Name = entry.Name;
        return options;
    }

    /// <summary>Reads every option (reporting problems to <paramref name="reader"/>); unknown options are rejected by the caller.</summary>
    public abstract TOptions Read(OptionReader reader);

    protected abstract void Add(ResiliencePipelineBuilder builder, TOptions options);

    protected abstract void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, TOptions options);
}

/// <summary>A strategy implemented here as a Polly <see cref="ResilienceStrategy"/>: one instance serves pipelines of any result type.</summary>
internal abstract class CustomStrategyFactory<TOptions>(IResilienceHost host) : ResilienceFactory<TOptions>(host)
    where TOptions : ResilienceStrategyOptions
{
    /// <summary>Creates the strategy for one build of a pipeline, with the builder's time provider and telemetry.</summary>
    public abstract ResilienceStrategy Create(StrategyBuilderContext context, TOptions options);

    protected sealed override void Add(ResiliencePipelineBuilder builder, TOptions options) =>
        builder.AddStrategy(context => Create(context, options), options);

    protected sealed override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, TOptions options) =>
        builder.AddStrategy(context => Create(context, options), options);
}

/// <summary>A strategy that only makes sense for results (fallback, hedging): the kernel never adds it to a pipeline without them.</summary>
internal abstract class ResultsOnlyFactory<TOptions>(IResilienceHost host) : ResilienceFactory<TOptions>(host)
    where TOptions : ResilienceStrategyOptions
{
    public sealed override bool ResultsOnly => true;

    protected sealed override void Add(ResiliencePipelineBuilder builder, TOptions options) =>
        throw new NotSupportedException($"resilience/{Name} works only in a pipeline for results");
}
