using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>
/// <c>conflict/three-way-merge</c>: two versions merged over their common ancestor (<see cref="Kernel.Sdk.Conflict.Conflict.Ancestor"/>),
/// by diff3 over lines of UTF-8 text or over the top-level fields of JSON objects (<see cref="ThreeWayMergeOptions.Mode"/>).
/// A change made on one side only is kept; a change made on both sides differently is a true conflict, written between
/// git-style markers (<c>&lt;&lt;&lt;&lt;&lt;&lt;&lt; n1@5</c>, <c>||||||| ancestor n1@3</c>, <c>=======</c>,
/// <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt; n2@6</c>) labelled with each version's replica and timestamp, or kept as siblings, or
/// sent to the fallback (<see cref="ThreeWayMergeOptions.OnConflict"/>). Without an ancestor the
/// <see cref="ThreeWayMergeOptions.Fallback"/> strategy resolves. Nothing is lost except through the fallback.
/// </summary>
public sealed class ThreeWayMergeStrategy : IConflictResolutionStrategy, IReferencingStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "three-way-merge";

    /// <inheritdoc />
    public string Description => "Three-way merge over the common ancestor (diff3 over lines, or JSON fields); markers on true conflicts";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, ThreeWayMergeOptions.Read);

    /// <inheritdoc />
    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, ThreeWayMergeOptions.Read);

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = OptionReader.Bind(context.Options, ThreeWayMergeOptions.Read);
        var fallback = context.Strategies.GetConflictResolver(options.Fallback.Key);
        return new ThreeWayMergeResolver(context.Name, options, fallback.Key, fallback.Value);
    }
}
