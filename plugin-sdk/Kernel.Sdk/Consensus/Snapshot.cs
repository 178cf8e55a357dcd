namespace Kernel.Sdk.Consensus;

/// <summary>A state-machine snapshot that replaces the log up to and including <see cref="Index"/>.</summary>
/// <param name="Index">The last log index the snapshot covers.</param>
/// <param name="Term">The term of that entry.</param>
/// <param name="Membership">The membership in force at that index.</param>
/// <param name="Data">The state machine's own encoding of its state.</param>
public sealed record Snapshot(long Index, long Term, Membership Membership, ReadOnlyMemory<byte> Data);
