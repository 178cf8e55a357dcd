using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Host.Resilience;

/// <summary>One checked entry of a pipeline: the registered strategy and the entry's own options.</summary>
internal sealed record PipelineEntry(int Index, StrategyRegistration Registration, IResilienceStrategy Strategy, IConfiguration Options, string OptionsText);

/// <summary>A pipeline of the <c>resilience</c> section whose every entry passed its checks: what a build uses.</summary>
internal sealed record PipelineDefinition(string Name, bool Results, string Origin, IReadOnlyList<PipelineEntry> Entries)
{
    /// <summary>
    /// Whether a build of <paramref name="other"/> would be the same as one of this: same result flag, and entry by entry the
    /// same strategy instance (a reloaded plugin registers a new one) with the same options.
    /// </summary>
    public bool SameAs(PipelineDefinition? other) =>
        other is not null
        && other.Results == Results
        && other.Entries.Count == Entries.Count
        && Entries.Zip(other.Entries).All(p => ReferenceEquals(p.First.Strategy, p.Second.Strategy) && p.First.OptionsText == p.Second.OptionsText);
}
