using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Conflict.Priority;

/// <summary>
/// <c>conflict/priority</c>: the version of the highest ranked replica in <see cref="PriorityOptions.Replicas"/> wins
/// (equal ranks go to the latest timestamp, then the greater replica id); with <see cref="PriorityOptions.FieldRules"/>
/// and JSON object values, each ruled top-level field takes its value from its rule's replica. The other versions (and,
/// with rules, their unruled fields) are lost; the explanation records every superseded version and each field taken by
/// rule. Options: <see cref="PriorityOptions"/>.
/// </summary>
public sealed class PriorityStrategy : IConflictResolutionStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "priority";

    /// <inheritdoc />
    public string Description => "Replica priority decides (then the latest timestamp); per-field rules pick a replica for matching JSON fields";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, PriorityOptions.Read);

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new PriorityResolver(context.Name, OptionReader.Bind(context.Options, PriorityOptions.Read));
    }
}
