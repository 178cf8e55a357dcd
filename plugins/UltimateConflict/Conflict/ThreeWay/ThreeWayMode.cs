namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>What <c>conflict/three-way-merge</c> merges.</summary>
public enum ThreeWayMode
{
    /// <summary><c>lines</c>: the values are UTF-8 text, merged line by line (diff3).</summary>
    Lines,

    /// <summary><c>fields</c>: the values are JSON objects, merged by their top-level fields.</summary>
    Fields,
}
