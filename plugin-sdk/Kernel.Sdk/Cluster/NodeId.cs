namespace Kernel.Sdk.Cluster;

/// <summary>The identity of a node in a cluster. Zero means "none".</summary>
/// <param name="Value">A positive number, unique in the cluster.</param>
public readonly record struct NodeId(int Value) : IComparable<NodeId>
{
    /// <summary>No node.</summary>
    public static NodeId None => default;

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => Value == 0;

    /// <inheritdoc />
    public int CompareTo(NodeId other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => IsNone ? "none" : "n" + Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
