using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;

namespace UltimateConflict.Tests.Crdt;

/// <summary>Whether a causal state still holds anything of a replica: a dot in its store or an entry in its context.</summary>
internal static class CausalPruning
{
    public static bool HoldsNothingOf<TStore>(byte[] bytes, NodeId removed)
        where TStore : class, IDotStore<TStore>
    {
        var state = CrdtType<Causal<TStore>, Causal<TStore>>.Decode<Causal<TStore>>(bytes);
        var dots = new List<Dot>();
        state.Store.CollectDots(dots);
        return dots.All(d => d.Replica != removed)
            && state.Context.Vector[removed] == 0
            && state.Context.Cloud.All(d => d.Replica != removed);
    }
}
