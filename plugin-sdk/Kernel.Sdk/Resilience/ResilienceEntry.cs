using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Resilience;

/// <summary>One entry of a named pipeline, as <see cref="IResilienceStrategy.AddTo"/> receives it.</summary>
public sealed class ResilienceEntry
{
    /// <summary>Creates an entry (the kernel does; tests of a strategy may too).</summary>
    /// <param name="pipelineName">The name of the pipeline in the <c>resilience</c> section.</param>
    /// <param name="index">The entry's position in the pipeline, from 0.</param>
    /// <param name="options">The entry's <c>options</c> object (empty when none is given).</param>
    public ResilienceEntry(string pipelineName, int index, IConfiguration options)
    {
        ArgumentNullException.ThrowIfNull(pipelineName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        PipelineName = pipelineName;
        Index = index;
        Options = options;
    }

    /// <summary>The name of the pipeline the entry belongs to.</summary>
    public string PipelineName { get; }

    /// <summary>The entry's position in the pipeline, from 0.</summary>
    public int Index { get; }

    /// <summary>The entry's options, already checked with the strategy's <c>ValidateOptions</c>.</summary>
    public IConfiguration Options { get; }

    /// <summary>A name for Polly's strategy options and telemetry: <c>PIPELINE[INDEX]</c>.</summary>
    public string Name => $"{PipelineName}[{Index}]";
}
