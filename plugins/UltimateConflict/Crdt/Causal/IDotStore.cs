using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Crdt.Causal;

/// <summary>The kinds of dot store, as an OR-Map field names them (<c>update set tags add x</c>).</summary>
internal enum FieldKind
{
    /// <summary>A counter (<see cref="Counters.CounterStore"/>).</summary>
    Counter = 1,

    /// <summary>An add-wins set (<see cref="Sets.OrSetStore"/>).</summary>
    Set = 2,

    /// <summary>A multi-value register (<see cref="Registers.MvStore"/>).</summary>
    Register = 3,

    /// <summary>A flag (<see cref="Registers.FlagStore"/>).</summary>
    Flag = 4,

    /// <summary>A nested map (<see cref="Maps.MapStore"/>).</summary>
    Map = 5,
}

/// <summary>What an operation may carry and how values read: from the strategy's options.</summary>
/// <param name="Type">The strategy name, for errors (<c>or-set</c>).</param>
/// <param name="MaxKeyBytes">The longest element, value or field name in UTF-8 bytes.</param>
/// <param name="SizeOption">The option that sets <paramref name="MaxKeyBytes"/>, for errors.</param>
/// <param name="MaxDepth">How deep maps nest (1: a map of non-map values).</param>
/// <param name="DisableWins">A flag reads false when an enable and a disable are concurrent.</param>
internal sealed record CausalSettings(string Type, int MaxKeyBytes, string SizeOption, int MaxDepth = 1, bool DisableWins = false);

/// <summary>
/// A causal dot store (Almeida, Shoker and Baquero's delta-state CRDTs): the part of a state that holds dots, joined
/// under the causal contexts of both sides (a dot one side holds and the other has seen is gone: it was removed there).
/// All the dot stores of one state share that state's context, so a nested value and its map agree on what was seen.
/// </summary>
internal interface IDotStore
{
    /// <summary>The kind.</summary>
    FieldKind Kind { get; }

    /// <summary>True when the store holds no dot (the field of a map is absent).</summary>
    bool IsBottom { get; }

    /// <summary>The causal join with a store of the same kind.</summary>
    IDotStore JoinStore(IDotStore other, CausalContext mine, CausalContext theirs);

    /// <summary>True when <paramref name="other"/> (of the same kind) holds the same dots and values.</summary>
    bool SameAs(IDotStore other);

    /// <summary>The store with each dot replaced by <paramref name="map"/>'s answer, or dropped where it answers null (pruning).</summary>
    IDotStore MapDots(Func<Dot, Dot?> map);

    /// <summary>Adds every dot the store holds to <paramref name="into"/>.</summary>
    void CollectDots(List<Dot> into);

    /// <summary>Writes the store canonically (the context is written by the state that holds it).</summary>
    void EncodeStore(CrdtWriter writer);

    /// <summary>
    /// The delta store of <paramref name="replica"/>'s <paramref name="operation"/>; adds to <paramref name="seen"/> the
    /// delta's context (the dots it overwrites and the new one, <c>context.Next(replica)</c>).
    /// </summary>
    IDotStore MutateStore(CausalContext context, NodeId replica, string operation, CausalSettings settings, int depth, List<Dot> seen);

    /// <summary>The value as text.</summary>
    string Read(CausalSettings settings);
}

/// <summary>The typed face of a dot store, for <see cref="Causal{TStore}"/>.</summary>
/// <typeparam name="TSelf">The store type.</typeparam>
internal interface IDotStore<TSelf> : IDotStore
    where TSelf : class, IDotStore<TSelf>
{
    /// <summary>The store without dots.</summary>
    static abstract TSelf Bottom { get; }

    /// <summary>The strategy name of the top-level type (<c>or-set</c>), for errors.</summary>
    static abstract string TypeName { get; }

    /// <summary>The causal join.</summary>
    TSelf Join(TSelf other, CausalContext mine, CausalContext theirs);

    /// <summary>Reads what <see cref="IDotStore.EncodeStore"/> wrote; every dot must be in <paramref name="context"/>.</summary>
    static abstract TSelf DecodeStore(ref CrdtReader reader, CausalContext context, int depth);
}
