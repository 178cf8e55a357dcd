using FsCheck.Xunit;
using Kernel.Sdk.Cluster;

namespace UltimateConflict.Tests.Crdt;

/// <summary>The properties of the types that prune a removed replica (<c>prune R</c>), on top of <see cref="CrdtProperties"/>.</summary>
public abstract class PrunableCrdtProperties : CrdtProperties
{
    /// <summary>True when the state holds nothing of replica <paramref name="removed"/> but its pruning mark.</summary>
    protected abstract bool HoldsNothingOf(byte[] state, NodeId removed);

    /// <summary>
    /// Replica 2 or 3 prunes replica 1 from the merge of a random history: the value stays and replica 1 is gone from the
    /// state; the pruning's delta does what the pruning did; merging every state of the history back (each still with
    /// replica 1's entries) changes not a byte; and a replica that receives the pruning later reads the same.
    /// </summary>
    [Property(MaxTest = 200)]
    public bool Pruning_keeps_the_value_and_an_older_state_brings_nothing_back(int seed)
    {
        var (random, pool) = Reach(seed);
        var all = pool.Aggregate(Type.Empty(), (x, y) => Type.Merge(x, y));
        var pruned = Type.Update(all, new NodeId(random.Next(2, 4)), "prune 1");
        var afterOld = pool.Aggregate(pruned.State, (x, y) => Type.Merge(x, y));
        var late = pool.Aggregate(Type.Merge(pool[0], pruned.State), (x, y) => Type.Merge(x, y));
        return Type.Read(pruned.State) == Type.Read(all)
            && HoldsNothingOf(pruned.State, new NodeId(1))
            && Same(Type.MergeDelta(all, pruned.Delta), pruned.State)
            && Same(afterOld, pruned.State)
            && Same(late, pruned.State);
    }
}
