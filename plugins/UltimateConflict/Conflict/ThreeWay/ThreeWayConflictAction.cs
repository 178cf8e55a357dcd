namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>What <c>conflict/three-way-merge</c> does with a true conflict (both sides changed the same stretch differently).</summary>
public enum ThreeWayConflictAction
{
    /// <summary><c>markers</c>: the merged value carries git-style conflict markers around each conflict.</summary>
    Markers,

    /// <summary><c>siblings</c>: the two versions are kept as siblings, unmerged.</summary>
    Siblings,

    /// <summary><c>fallback</c>: the conflict goes to the <see cref="ThreeWayMergeOptions.Fallback"/> strategy.</summary>
    Fallback,
}
