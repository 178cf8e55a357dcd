using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Options;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Counters;

/// <summary>The byte-level face of <see cref="GCounter"/>: <c>inc</c>, <c>inc N</c>, <c>prune R</c>; read as the count.</summary>
internal sealed class GCounterType(CounterOptions options) : CrdtType<GCounter, GCounter>
{
    /// <summary>The typed delta mutator.</summary>
    public GCounter Delta(GCounter state, NodeId replica, string operation)
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

    protected override GCounter Mutate(GCounter state, NodeId replica, string operation) => Delta(state, replica, operation);

    protected override string Read(GCounter state) => state.ToString();
}

/// <summary>The byte-level face of <see cref="PnCounter"/>: <c>inc</c>, <c>inc N</c>, <c>dec</c>, <c>dec N</c>, <c>prune R</c>; read as the count.</summary>
internal sealed class PnCounterType(CounterOptions options) : CrdtType<PnCounter, PnCounter>
{
    /// <summary>The typed delta mutator.</summary>
    public PnCounter Delta(PnCounter state, NodeId replica, string operation)
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

    protected override PnCounter Mutate(PnCounter state, NodeId replica, string operation) => Delta(state, replica, operation);

    protected override string Read(PnCounter state) => state.ToString();
}

/// <summary>The counters' shared operation text.</summary>
internal static class CounterOps
{
    public static string Accepted(string counting, CounterOptions options) =>
        counting + " (N a positive integer)" + (options.Pruning ? ", " + Operation.Prune : string.Empty);
}
