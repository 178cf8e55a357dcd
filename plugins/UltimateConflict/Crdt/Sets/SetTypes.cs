using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Options;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Sets;

/// <summary>The byte-level face of <see cref="GSet"/>: <c>add X</c>; read as <c>[a, b]</c>.</summary>
internal sealed class GSetType(SetOptions options) : PluginCrdtType<GSet, GSet>
{
    protected override string TypeName => "g-set";

    public override GSet Delta(GSet state, NodeId replica, string operation)
    {
        if (Operation.Verb(operation, out var element) != "add" || element.Length == 0)
        {
            throw Operation.Unknown("g-set", operation, "add X");
        }

        CrdtFormat.CheckSize(element, options.MaxElementBytes, "The element", "maxElementBytes");
        return state.AddDelta(element);
    }

    public override string Value(GSet state) => state.ToString();
}

/// <summary>The byte-level face of <see cref="TwoPhaseSet"/>: <c>add X</c>, <c>remove X</c>; read as <c>[a, b]</c>.</summary>
internal sealed class TwoPhaseSetType(SetOptions options) : PluginCrdtType<TwoPhaseSet, TwoPhaseSet>
{
    protected override string TypeName => "two-phase-set";

    public override TwoPhaseSet Delta(TwoPhaseSet state, NodeId replica, string operation)
    {
        var verb = Operation.Verb(operation, out var element);
        if (verb is not ("add" or "remove") || element.Length == 0)
        {
            throw Operation.Unknown("two-phase-set", operation, "add X, remove X");
        }

        CrdtFormat.CheckSize(element, options.MaxElementBytes, "The element", "maxElementBytes");
        return verb == "add" ? state.AddDelta(element) : state.RemoveDelta(element);
    }

    public override string Value(TwoPhaseSet state) => state.ToString();
}
