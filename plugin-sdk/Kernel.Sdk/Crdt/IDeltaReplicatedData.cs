namespace Kernel.Sdk.Crdt;

/// <summary>
/// A delta-state CRDT: each update is made by a delta mutator that returns only the part of the state it changes (a
/// delta, itself a small CRDT value that carries its causal context); a replica ships deltas, or delta groups merged
/// together, instead of whole states.
/// </summary>
/// <remarks>
/// Laws: for a delta <c>d</c> a mutator made from state <c>x</c>, the new state is <c>x.MergeDelta(d)</c>; and for
/// any replica <c>y</c> that has seen <c>x</c>, <c>y.MergeDelta(d)</c> equals <c>y.Merge(x.MergeDelta(d))</c> (delta merge
/// equals full merge). Merging deltas into a group first (<c>d1.Merge(d2)</c>) changes nothing: <c>x.MergeDelta(d1).MergeDelta(d2)</c>
/// equals <c>x.MergeDelta(d1.Merge(d2))</c>.
/// </remarks>
/// <typeparam name="T">The state type.</typeparam>
/// <typeparam name="TDelta">The delta type (often <typeparamref name="T"/> itself).</typeparam>
public interface IDeltaReplicatedData<T, TDelta> : IReplicatedData<T>
    where T : IDeltaReplicatedData<T, TDelta>
    where TDelta : IReplicatedData<TDelta>
{
    /// <summary>The state with a delta (or a delta group) merged in. Pure.</summary>
    T MergeDelta(TDelta delta);
}
