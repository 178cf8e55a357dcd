using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// One event of one replica: the replica's <paramref name="Counter"/>-th update. Dots name the writes a causal context has
/// seen, so a remove can say exactly which adds it observed (an add with a dot the remover has not seen survives).
/// </summary>
/// <param name="Replica">The replica that made the update.</param>
/// <param name="Counter">The replica's event number, from 1.</param>
public readonly record struct Dot(NodeId Replica, long Counter) : IComparable<Dot>
{
    /// <inheritdoc />
    public int CompareTo(Dot other)
    {
        var byReplica = Replica.CompareTo(other.Replica);
        return byReplica != 0 ? byReplica : Counter.CompareTo(other.Counter);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Replica}:{Counter.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
