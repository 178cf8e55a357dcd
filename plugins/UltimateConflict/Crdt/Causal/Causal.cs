using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Causal;

/// <summary>
/// A causal CRDT: a dot store and the causal context of every event it has seen (a version vector and, for deltas, the
/// dots beyond it). A merge of equal states (the converged case) is recognised before any work: the contexts are compared
/// first (a few entries), then the stores, without allocating, and this state is returned.
/// </summary>
/// <remarks>
/// Why not "the other's context is covered, so nothing changes": a delta merged before its causal past (allowed: deltas
/// may arrive in any order) gives a context that has seen an overwritten dot without what that dot had overwritten, so
/// two states can have equal contexts and different stores. Only equal stores are a safe shortcut.
/// </remarks>
/// <typeparam name="TStore">The dot store.</typeparam>
internal sealed class Causal<TStore> : IDeltaReplicatedData<Causal<TStore>, Causal<TStore>>, IEquatable<Causal<TStore>>
    where TStore : class, IDotStore<TStore>
{
    public Causal(TStore store, CausalContext context)
    {
        Store = store;
        Context = context;
    }

    public static Causal<TStore> Empty { get; } = new(TStore.Bottom, CausalContext.Empty);

    /// <summary>The dots and what they carry.</summary>
    public TStore Store { get; }

    /// <summary>Every event seen.</summary>
    public CausalContext Context { get; }

    /// <inheritdoc />
    public Causal<TStore> Merge(Causal<TStore> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other) || (Context.Equals(other.Context) && Store.SameAs(other.Store)))
        {
            return this;
        }

        return new Causal<TStore>(Store.Join(other.Store, Context, other.Context), Context.Merge(other.Context));
    }

    /// <inheritdoc />
    public Causal<TStore> MergeDelta(Causal<TStore> delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        Context.Encode(writer);
        Store.EncodeStore(writer);
    }

    /// <inheritdoc />
    public static Causal<TStore> Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, TStore.TypeName);
        var context = CausalContext.Decode(ref reader);
        return new Causal<TStore>(TStore.DecodeStore(ref reader, context, 1), context);
    }

    /// <inheritdoc />
    public bool Equals(Causal<TStore>? other)
    {
        if (other is null || !Context.Equals(other.Context))
        {
            return false;
        }

        return Store.SameAs(other.Store);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Causal<TStore>);

    /// <inheritdoc />
    public override int GetHashCode() => Context.GetHashCode();
}
