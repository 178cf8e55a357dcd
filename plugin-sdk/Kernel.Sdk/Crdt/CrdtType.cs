using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// The byte-level face (<see cref="ICrdtType"/>) of a typed delta CRDT, written once: a type supplies its delta mutators
/// (<see cref="Mutate"/>) and its reading (<see cref="Read(T)"/>); decoding, merging and encoding come from its
/// <see cref="IDeltaReplicatedData{T, TDelta}"/> implementation. The new state of an update is always
/// <c>state.MergeDelta(delta)</c>, so an update and its shipped delta cannot disagree.
/// </summary>
/// <typeparam name="T">The state type.</typeparam>
/// <typeparam name="TDelta">The delta type.</typeparam>
public abstract class CrdtType<T, TDelta> : ICrdtType
    where T : IDeltaReplicatedData<T, TDelta>
    where TDelta : IReplicatedData<TDelta>
{
    /// <summary>Encodes a state or delta canonically.</summary>
    public static byte[] Encode<TValue>(TValue value)
        where TValue : IReplicatedData<TValue>
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = new CrdtWriter();
        value.Encode(writer);
        return writer.ToArray();
    }

    /// <summary>Decodes a whole buffer as a state or delta; trailing bytes are malformed.</summary>
    public static TValue Decode<TValue>(ReadOnlySpan<byte> bytes)
        where TValue : IReplicatedData<TValue>
    {
        var reader = new CrdtReader(bytes);
        var value = TValue.Decode(ref reader);
        reader.ExpectEnd();
        return value;
    }

    /// <inheritdoc />
    public byte[] Empty() => Encode(T.Empty);

    /// <inheritdoc />
    public byte[] Merge(ReadOnlySpan<byte> state, ReadOnlySpan<byte> other) => Encode(Decode<T>(state).Merge(Decode<T>(other)));

    /// <inheritdoc />
    public byte[] MergeDelta(ReadOnlySpan<byte> state, ReadOnlySpan<byte> delta) => Encode(Decode<T>(state).MergeDelta(Decode<TDelta>(delta)));

    /// <inheritdoc />
    public byte[] MergeDeltas(ReadOnlySpan<byte> delta, ReadOnlySpan<byte> other) => Encode(Decode<TDelta>(delta).Merge(Decode<TDelta>(other)));

    /// <inheritdoc />
    public CrdtUpdate Update(ReadOnlySpan<byte> state, NodeId replica, string operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var current = Decode<T>(state);
        var delta = Mutate(current, replica, operation);
        return new CrdtUpdate(Encode(current.MergeDelta(delta)), Encode(delta));
    }

    /// <inheritdoc />
    public string Read(ReadOnlySpan<byte> state) => Read(Decode<T>(state));

    /// <summary>
    /// The delta mutator for a text operation made by <paramref name="replica"/> on <paramref name="state"/>: returns only
    /// the delta. A malformed operation throws <see cref="FormatException"/> naming the accepted ones.
    /// </summary>
    protected abstract TDelta Mutate(T state, NodeId replica, string operation);

    /// <summary>The value a reader sees, as text.</summary>
    protected abstract string Read(T state);
}
