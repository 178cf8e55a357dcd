using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.Registry;

namespace Kernel.Host.Resilience;

/// <summary>
/// The pipelines of the <c>resilience</c> section as Polly's <see cref="ResiliencePipelineProvider{TKey}"/> (what the host's
/// container and <c>IPluginContext.Resilience.Pipelines</c> give). A name that is not configured, a pipeline with no good
/// build, or a pipeline for results fetched without a result type is not found, and <c>GetPipeline</c> says which.
/// </summary>
internal sealed class KernelPipelineProvider(ResilienceRuntime runtime) : ResiliencePipelineProvider<string>
{
    public override bool TryGetPipeline(string key, [NotNullWhen(true)] out ResiliencePipeline? pipeline) =>
        runtime.TryGetPipeline(key, out pipeline, out _);

    public override bool TryGetPipeline<TResult>(string key, [NotNullWhen(true)] out ResiliencePipeline<TResult>? pipeline) =>
        runtime.TryGetPipeline(key, out pipeline, out _);

    public override ResiliencePipeline GetPipeline(string key) =>
        runtime.TryGetPipeline(key, out var pipeline, out var whyNot) ? pipeline : throw new KeyNotFoundException(whyNot);

    public override ResiliencePipeline<TResult> GetPipeline<TResult>(string key) =>
        runtime.TryGetPipeline<TResult>(key, out var pipeline, out var whyNot) ? pipeline : throw new KeyNotFoundException(whyNot);
}
