using Kernel.Sdk.Strategies;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// A CRDT type registered as a strategy (<c>crdt/g-counter</c>, <c>crdt/or-set</c>, ...): a factory of configured types.
/// Each entry of <c>plugins.json</c> that names it (the strategy's own or a named instance) gets its own type, made from
/// that entry's validated options.
/// </summary>
public interface ICrdtStrategy : IStrategy
{
    /// <summary>Makes the configured type. The options have passed <see cref="IStrategy.ValidateOptions"/>.</summary>
    ICrdtType Create(StrategyInstanceContext context);
}
