using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt.Causal;

/// <summary>
/// A causal CRDT: a dot store and the causal context of every event it has seen (a version vector and, for deltas, the
/// dots beyond it), plus the replicas pruned so far. A merge of equal states (the converged case) is recognised before
/// any work: the contexts are compared first (a few entries), then the stores, without allocating, and this state is
/// returned.
/// </summary>
/// <remarks>
/// <para>
/// Why not "the other's context is covered, so nothing changes": a delta merged before its causal past (allowed: deltas
/// may arrive in any order) gives a context that has seen an overwritten dot without what that dot had overwritten, so
/// two states can have equal contexts and different stores. Only equal stores are a safe shortcut.
/// </para>
/// <para>
/// Pruning (as Akka's, whose precondition it shares: run it by one replica, once the removed replica's updates have
/// reached every replica and nothing concurrent touches them): the removed replica's dots in the store move to fresh
/// dots of the pruning replica, its context entry goes, and <see cref="Pruned"/> records how far it went. Every merge
/// first strips from both sides the pruned replica's dots up to that mark, so a state from before the pruning cannot
/// bring them (or the elements they held) back.
/// </para>
/// </remarks>
/// <typeparam name="TStore">The dot store.</typeparam>
internal sealed class Causal<TStore> : IDeltaReplicatedData<Causal<TStore>, Causal<TStore>>, IEquatable<Causal<TStore>>
    where TStore : class, IDotStore<TStore>
{
    public Causal(TStore store, CausalContext context, VersionVector? pruned = null)
    {
        Store = store;
        Context = context;
        Pruned = pruned ?? VersionVector.Empty;
    }

    public static Causal<TStore> Empty { get; } = new(TStore.Bottom, CausalContext.Empty);

    /// <summary>The dots and what they carry.</summary>
    public TStore Store { get; }

    /// <summary>Every event seen.</summary>
    public CausalContext Context { get; }

    /// <summary>For each pruned replica, its last event when it was pruned.</summary>
    public VersionVector Pruned { get; }

    /// <inheritdoc />
    public Causal<TStore> Merge(Causal<TStore> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other) || Equals(other))
        {
            return this;
        }

        var pruned = Pruned.Merge(other.Pruned);
        var mine = Strip(pruned);
        var theirs = other.Strip(pruned);
        if (mine.Equals(theirs) || theirs.HasSeenNothing)
        {
            return mine;
        }

        if (mine.HasSeenNothing)
        {
            return theirs;
        }

        return new Causal<TStore>(mine.Store.Join(theirs.Store, mine.Context, theirs.Context), mine.Context.Merge(theirs.Context), pruned);
    }

    /// <summary>True for a state that has seen no event (its store is then empty too).</summary>
    private bool HasSeenNothing => Context.Vector.Entries.Count == 0 && Context.Cloud.Count == 0;

    /// <inheritdoc />
    public Causal<TStore> MergeDelta(Causal<TStore> delta) => Merge(delta);

    /// <summary>
    /// The delta of <paramref name="into"/> pruning the removed replica <paramref name="removed"/>: its dots in the store
    /// under fresh dots of <paramref name="into"/>, and the mark up to which its dots are gone.
    /// </summary>
    public Causal<TStore> PruneDelta(NodeId removed, NodeId into)
    {
        var last = Context.Last(removed);
        if (removed == into || last == 0)
        {
            return Empty;
        }

        var dots = new List<Dot>();
        Store.CollectDots(dots);
        var fresh = new Dictionary<Dot, Dot>();
        var next = Context.Next(into);
        foreach (var dot in dots.Where(d => d.Replica == removed).Order())
        {
            fresh[dot] = next;
            next = next with { Counter = next.Counter + 1 };
        }

        var store = (TStore)Store.MapDots(d => fresh.TryGetValue(d, out var moved) ? moved : null);
        return new Causal<TStore>(store, CausalContext.From(VersionVector.Empty, fresh.Values), VersionVector.Empty.With(removed, last));
    }

    /// <inheritdoc />
    public void Encode(CrdtWriter writer)
    {
        CrdtFormat.WriteHeader(writer);
        Context.Encode(writer);
        Pruned.Encode(writer);
        Store.EncodeStore(writer);
    }

    /// <inheritdoc />
    public static Causal<TStore> Decode(ref CrdtReader reader)
    {
        CrdtFormat.ReadHeader(ref reader, TStore.TypeName);
        var context = CausalContext.Decode(ref reader);
        var pruned = VersionVector.Decode(ref reader);
        var state = new Causal<TStore>(TStore.DecodeStore(ref reader, context, 1), context, pruned);
        if (pruned.Entries.Count > 0 && !ReferenceEquals(state.Strip(pruned), state))
        {
            throw new FormatException($"crdt/{TStore.TypeName} state holds dots of a pruned replica up to its mark (not canonical).");
        }

        return state;
    }

    /// <inheritdoc />
    public bool Equals(Causal<TStore>? other) =>
        other is not null && Context.Equals(other.Context) && Pruned.Equals(other.Pruned) && (ReferenceEquals(Store, other.Store) || Store.SameAs(other.Store));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Causal<TStore>);

    /// <inheritdoc />
    public override int GetHashCode() => Context.GetHashCode();

    /// <summary>This state under the marks <paramref name="pruned"/> (at least its own): the pruned replicas' dots up to their marks gone.</summary>
    private Causal<TStore> Strip(VersionVector pruned)
    {
        var touched = Context.HoldsPruned(pruned) || (pruned.Entries.Any(p => Context.Vector[p.Key] > p.Value) && HoldsDotUpTo(pruned));
        if (!touched)
        {
            return ReferenceEquals(pruned, Pruned) || pruned.Equals(Pruned) ? this : new Causal<TStore>(Store, Context, pruned);
        }

        var store = (TStore)Store.MapDots(d => d.Counter <= pruned[d.Replica] ? null : d);
        return new Causal<TStore>(store, Context.WithoutPruned(pruned), pruned);
    }

    private bool HoldsDotUpTo(VersionVector pruned)
    {
        var dots = new List<Dot>();
        Store.CollectDots(dots);
        return dots.Any(d => d.Counter <= pruned[d.Replica]);
    }
}
