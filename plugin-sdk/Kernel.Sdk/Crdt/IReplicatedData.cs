namespace Kernel.Sdk.Crdt;

/// <summary>
/// A state-based CRDT value of type <typeparamref name="T"/>: immutable, with a merge that is the join of a semilattice,
/// so replicas that have seen the same updates hold equal states whatever the order and however often they merged.
/// </summary>
/// <remarks>
/// Laws (checked by the CRDT law tests for every type): <c>a.Merge(b)</c> equals <c>b.Merge(a)</c> (commutative),
/// <c>a.Merge(b.Merge(c))</c> equals <c>a.Merge(b).Merge(c)</c> (associative), <c>a.Merge(a)</c> equals <c>a</c>
/// (idempotent), <c>Empty.Merge(a)</c> equals <c>a</c>; equal states encode to equal bytes and
/// <c>Decode(Encode(a))</c> equals <c>a</c>. "Equals" means equal canonical encodings.
/// </remarks>
/// <typeparam name="T">The type itself.</typeparam>
public interface IReplicatedData<T>
    where T : IReplicatedData<T>
{
    /// <summary>The state that has seen nothing (the semilattice's bottom).</summary>
    static abstract T Empty { get; }

    /// <summary>The least state that has seen what both have seen. Pure: neither operand changes.</summary>
    T Merge(T other);

    /// <summary>Writes the canonical encoding (see <see cref="CrdtWriter"/>): equal states write equal bytes.</summary>
    void Encode(CrdtWriter writer);

    /// <summary>Reads what <see cref="Encode"/> wrote; malformed input throws <see cref="FormatException"/>.</summary>
    static abstract T Decode(ref CrdtReader reader);
}
