using Kernel.Sdk.Strategies;

namespace Kernel.Sdk.Crdt;

/// <summary>
/// A state-based CRDT value: merge is commutative, associative and idempotent, so replicas that have seen the same
/// updates hold equal states whatever the order.
/// </summary>
public interface ICrdt
{
    /// <summary>Merges another replica's state of the same type into this one.</summary>
    void Merge(ICrdt other);

    /// <summary>Encodes the state.</summary>
    byte[] Encode();

    /// <summary>The value a reader sees, as a plain object (a number, a set, ...).</summary>
    object? Value { get; }
}

/// <summary>A CRDT type registered as a strategy (G-Counter, PN-Counter, OR-Set, LWW-Register, ...).</summary>
public interface ICrdtType : IStrategy
{
    /// <summary>Creates an empty value owned by a replica.</summary>
    ICrdt Create(string replicaId);

    /// <summary>Decodes a state written by <see cref="ICrdt.Encode"/>.</summary>
    ICrdt Decode(string replicaId, ReadOnlySpan<byte> state);
}
