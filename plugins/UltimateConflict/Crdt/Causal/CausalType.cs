using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Causal;

/// <summary>The byte-level face of a causal type: the store's mutator makes the delta, whose context is what it overwrote plus its new dot.</summary>
/// <typeparam name="TStore">The dot store.</typeparam>
internal sealed class CausalType<TStore> : PluginCrdtType<Causal<TStore>, Causal<TStore>>
    where TStore : class, IDotStore<TStore>
{
    private readonly CausalSettings _settings;

    public CausalType(CausalSettings settings) => _settings = settings;

    protected override string TypeName => _settings.Type;

    public override Causal<TStore> Delta(Causal<TStore> state, NodeId replica, string operation)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Operation.TryPrune(operation, out var removed))
        {
            return state.PruneDelta(removed, replica);
        }

        var seen = new List<Dot>();
        var store = (TStore)state.Store.MutateStore(state.Context, replica, operation, _settings, 1, seen);
        return seen.Count == 0 ? Causal<TStore>.Empty : new Causal<TStore>(store, CausalContext.From(VersionVector.Empty, seen));
    }

    public override string Value(Causal<TStore> state) => state.Store.Read(_settings);
}
