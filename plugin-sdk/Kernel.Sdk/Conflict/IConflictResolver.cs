namespace Kernel.Sdk.Conflict;

/// <summary>
/// A configured conflict resolver, made by <see cref="IConflictResolutionStrategy.Create"/>. Must be deterministic: every
/// replica resolving the same conflict gets the same result, whatever the order of the versions.
/// </summary>
public interface IConflictResolver
{
    /// <summary>Resolves a conflict.</summary>
    Resolution Resolve(Conflict conflict);
}
