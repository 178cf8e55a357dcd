namespace Kernel.Sdk.Conflict;

/// <summary>Two or more concurrent versions of one key to reconcile.</summary>
/// <param name="Key">The key.</param>
/// <param name="Versions">The conflicting versions (two or more).</param>
/// <param name="Ancestor">The common ancestor, when known (for three-way merges).</param>
public sealed record Conflict(string Key, IReadOnlyList<VersionedValue> Versions, VersionedValue? Ancestor);
