using Kernel.Sdk.Strategies;
using Polly;

namespace Kernel.Sdk.Resilience;

/// <summary>
/// A resilience strategy as a Polly v8 strategy. Pipelines are composed by name in the <c>resilience</c> section of
/// <c>plugins.json</c>: for each entry of a pipeline, in order, the kernel calls <see cref="AddTo"/> (a pipeline fetched with
/// <c>GetPipeline(name)</c>) or <see cref="AddTo{TResult}"/> (a pipeline fetched with <c>GetPipeline&lt;TResult&gt;(name)</c>),
/// with the options of that one entry, already checked with <see cref="IStrategy.ValidateOptions"/>. The same strategy may
/// appear in several pipelines, or twice in one, each time with its own options. Time comes from the builder's
/// <c>TimeProvider</c> (Polly's strategies use it), never from the wall clock.
/// </summary>
public interface IResilienceStrategy : IStrategy
{
    /// <summary>
    /// True for a strategy that only makes sense for results (a fallback, hedging): it can be used only in a pipeline marked
    /// <c>"results": true</c>, which is fetched with <c>GetPipeline&lt;TResult&gt;</c>; <see cref="AddTo"/> is never called and
    /// may throw <see cref="NotSupportedException"/>. The kernel reports any other use as a configuration error.
    /// </summary>
    bool ResultsOnly { get; }

    /// <summary>Adds the strategy, configured from one entry's options, to a non-generic pipeline being built.</summary>
    void AddTo(ResiliencePipelineBuilder builder, ResilienceEntry entry);

    /// <summary>Adds the strategy, configured from one entry's options, to a pipeline of <typeparamref name="TResult"/> being built.</summary>
    /// <typeparam name="TResult">The result type the code fetching the pipeline asked for.</typeparam>
    void AddTo<TResult>(ResiliencePipelineBuilder<TResult> builder, ResilienceEntry entry);
}
