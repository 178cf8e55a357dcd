namespace Kernel.Host.Resilience;

/// <summary>One configured pipeline as <c>kernel pipelines</c> lists it.</summary>
/// <param name="State">
/// <c>active</c>: built from the configuration as it is; <c>stale</c>: the configuration has problems now, fetches get the
/// last good build; <c>unavailable</c>: never had a good build (problems, or a strategy of a plugin that is not loaded).
/// </param>
/// <param name="Built">The pipelines built so far, one per way it was fetched (<c>ResiliencePipeline</c>, <c>ResiliencePipeline&lt;String&gt;</c>).</param>
/// <param name="Builds">How many times a build ran (first fetches and reloads).</param>
internal sealed record PipelineStatus(
    string Name,
    string State,
    bool Results,
    string Origin,
    IReadOnlyList<PipelineEntryStatus> Entries,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Built,
    int Builds);

/// <summary>One entry of a listed pipeline (of its last good build when it has one).</summary>
internal sealed record PipelineEntryStatus(int Index, string Strategy, string Plugin, string Options);
