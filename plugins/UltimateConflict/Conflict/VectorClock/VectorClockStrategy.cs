using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Conflict.VectorClock;

/// <summary>
/// <c>conflict/vector-clock</c>: causality decides, as in Dynamo and Riak. A version whose
/// <see cref="VersionedValue.Clock"/> another version's clock strictly dominates is superseded; versions with equal clocks
/// are the same write (the latest is kept); concurrent versions are all kept as siblings (the maximal antichain), for a
/// reader to reconcile and write back with the merged clock. Nothing concurrent is lost unless
/// <see cref="VectorClockOptions.MaxSiblings"/> caps the siblings. The explanation records every superseded version.
/// </summary>
public sealed class VectorClockStrategy : IConflictResolutionStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "vector-clock";

    /// <inheritdoc />
    public string Description => "Vector clocks: causally dominated versions are superseded, concurrent ones kept as siblings (as Riak)";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, VectorClockOptions.Read);

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new VectorClockResolver(context.Name, OptionReader.Bind(context.Options, VectorClockOptions.Read));
    }
}
