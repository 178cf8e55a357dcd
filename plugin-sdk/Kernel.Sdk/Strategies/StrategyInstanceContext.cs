using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Strategies;

/// <summary>What a strategy factory makes an instance from (see <see cref="Conflict.IConflictResolutionStrategy.Create"/>).</summary>
public sealed class StrategyInstanceContext
{
    /// <summary>The instance's name: its entry's key in <c>plugins.json</c> (the strategy's own name for its own entry).</summary>
    public required string Name { get; init; }

    /// <summary>The entry's <c>options</c> section, already validated by <see cref="IStrategy.ValidateOptions"/>.</summary>
    public required IConfiguration Options { get; init; }

    /// <summary>
    /// Where the instance gets the strategies its options reference, by <c>category/name</c>. What it resolves here is held
    /// for the instance and released with it; the kernel refuses to unload their plugins meanwhile.
    /// </summary>
    public required IStrategyResolver Strategies { get; init; }
}
