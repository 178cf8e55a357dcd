using Kernel.Sdk.Strategies;

namespace Kernel.Sdk.Conflict;

/// <summary>
/// A conflict resolution strategy: a factory of configured resolvers. Each entry of <c>plugins.json</c> that names it
/// (the strategy's own or a named instance) gets its own resolver, made from that entry's validated options.
/// </summary>
public interface IConflictResolutionStrategy : IStrategy
{
    /// <summary>Makes a resolver. The options have passed <see cref="IStrategy.ValidateOptions"/>.</summary>
    IConflictResolver Create(StrategyInstanceContext context);
}
