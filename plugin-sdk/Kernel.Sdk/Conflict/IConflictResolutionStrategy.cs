using Kernel.Sdk.Strategies;

namespace Kernel.Sdk.Conflict;

/// <summary>One version of a value as a replica holds it.</summary>
/// <param name="Replica">The replica that wrote it.</param>
/// <param name="Value">The value's bytes.</param>
/// <param name="Timestamp">The writer's hybrid or logical timestamp.</param>
/// <param name="Clock">The version vector at the write (replica to counter); empty when the writer keeps none.</param>
public sealed record VersionedValue(
    string Replica,
    ReadOnlyMemory<byte> Value,
    long Timestamp,
    IReadOnlyDictionary<string, long> Clock);

/// <summary>Two or more concurrent versions of one key to reconcile.</summary>
/// <param name="Key">The key.</param>
/// <param name="Versions">The conflicting versions (two or more).</param>
/// <param name="Ancestor">The common ancestor, when known (for three-way merges).</param>
public sealed record Conflict(string Key, IReadOnlyList<VersionedValue> Versions, VersionedValue? Ancestor);

/// <summary>The outcome of resolving a conflict.</summary>
/// <param name="Resolved">The winning or merged version, or null when the strategy leaves it to a person.</param>
/// <param name="Explanation">Why, in a line, for audit logs.</param>
public sealed record Resolution(VersionedValue? Resolved, string Explanation);

/// <summary>A conflict resolution strategy. Must be deterministic: every replica resolving the same conflict gets the same result.</summary>
public interface IConflictResolutionStrategy : IStrategy
{
    /// <summary>Resolves a conflict.</summary>
    Resolution Resolve(Conflict conflict);
}
