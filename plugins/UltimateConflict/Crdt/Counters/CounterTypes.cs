using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Options;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Counters;

/// <summary>The byte-level face of <see cref="GCounter"/>: <c>inc</c>, <c>inc N</c>, <c>prune R</c>; read as the count.</summary>
internal sealed class GCounterType(CounterOptions options) : PluginCrdtType<GCounter, GCounter>
{
    protected override string TypeName => "g-counter";

    public override GCounter Delta(GCounter state, NodeId replica, string operation)
    {
        var verb = Operation.Verb(operation, out var rest);
        if (verb == "inc" && Operation.TryAmount(rest, out var amount))
        {
            return state.IncrementDelta(replica, amount);
        }

        if (options.Pruning && Operation.TryPrune(operation, out var removed))
        {
            return state.PruneDelta(removed, replica);
        }

        throw Operation.Unknown("g-counter", operation, CounterOps.Accepted("inc, inc N", options));
    }

    public override string Value(GCounter state) => state.ToString();
}

/// <summary>The byte-level face of <see cref="PnCounter"/>: <c>inc</c>, <c>inc N</c>, <c>dec</c>, <c>dec N</c>, <c>prune R</c>; read as the count.</summary>
internal sealed class PnCounterType(CounterOptions options) : PluginCrdtType<PnCounter, PnCounter>
{
    protected override string TypeName => "pn-counter";

    public override PnCounter Delta(PnCounter state, NodeId replica, string operation)
    {
        var verb = Operation.Verb(operation, out var rest);
        if (verb is "inc" or "dec" && Operation.TryAmount(rest, out var amount))
        {
            return state.AddDelta(replica, verb == "inc" ? amount : -amount);
        }

        if (options.Pruning && Operation.TryPrune(operation, out var removed))
        {
            return state.PruneDelta(removed, replica);
        }

        throw Operation.Unknown("pn-counter", operation, CounterOps.Accepted("inc, inc N, dec, dec N", options));
    }

    public override string Value(PnCounter state) => state.ToString();
}

/// <summary>The counters' shared operation text.</summary>
internal static class CounterOps
{
    public static string Accepted(string counting, CounterOptions options) =>
        counting + " (N a positive integer)" + (options.Pruning ? ", " + Operation.Prune : string.Empty);
}
