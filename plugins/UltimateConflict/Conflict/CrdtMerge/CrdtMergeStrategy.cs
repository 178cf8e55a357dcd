using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Conflict.CrdtMerge;

/// <summary>
/// <c>conflict/crdt-merge</c>: the values are encoded states of the CRDT type named by
/// <see cref="CrdtMergeOptions.Type"/>; the resolution is their merge (the join), so nothing any version holds is lost.
/// The merged version is attributed to the latest writer (highest timestamp, then greater replica id) and carries the
/// latest timestamp and the merged clock. The ancestor is not needed (every version's state already includes it). The
/// explanation records the merged versions and the value read from the result. Options: <see cref="CrdtMergeOptions"/>.
/// </summary>
public sealed class CrdtMergeStrategy : IConflictResolutionStrategy, IReferencingStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "crdt-merge";

    /// <inheritdoc />
    public string Description => "Merges the versions as states of the crdt/... type named by option 'type' (nothing is lost)";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, r => CrdtMergeOptions.Read(r, OptionReads.IsConfigured(options)));

    /// <inheritdoc />
    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, r => CrdtMergeOptions.Read(r, OptionReads.IsConfigured(options)));

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = OptionReader.Bind(context.Options, CrdtMergeOptions.Read);

        // Held for this instance and released with it (the kernel keeps the CRDT's plugin loaded meanwhile).
        var type = context.Strategies.GetCrdtType(options.Type!.Key);
        return new CrdtMergeResolver(context.Name, type.Key, type.Value, options.SkipMalformed);
    }
}
