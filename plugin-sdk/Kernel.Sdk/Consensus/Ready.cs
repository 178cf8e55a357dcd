using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// A batch of work a consensus node hands its runtime, in the order the runtime must do it:
/// persist <see cref="Snapshot"/>, <see cref="Entries"/> and <see cref="HardState"/> with <see cref="WriteTo"/> (and sync
/// when <see cref="MustSync"/>), then send <see cref="Messages"/> (or send them first, when <see cref="SendBeforePersist"/>), then apply <see cref="CommittedEntries"/> and serve <see cref="ReadStates"/>,
/// then call <see cref="IConsensusNode.Advance"/> with this same object.
/// </summary>
public sealed class Ready
{
    /// <summary>The node's durable state (term, vote, ...) in the strategy's own encoding, when it changed; empty when not.</summary>
    public ReadOnlyMemory<byte> HardState { get; init; }

    /// <summary>A snapshot received from a leader to persist and to install into the state machine, or null.</summary>
    public Snapshot? Snapshot { get; init; }

    /// <summary>
    /// Entries to append to the durable log. The first entry's index may be at or below the last stored index:
    /// storage then discards the stored entries from that index on before appending.
    /// </summary>
    public IReadOnlyList<LogEntry> Entries { get; init; } = [];

    /// <summary>Messages to send once the state above is durable.</summary>
    public IReadOnlyList<IProtocolMessage> Messages { get; init; } = [];

    /// <summary>Entries known committed, in index order, to apply to the state machine.</summary>
    public IReadOnlyList<LogEntry> CommittedEntries { get; init; } = [];

    /// <summary>Linearizable reads that may be served once the state machine has applied up to their index.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; init; } = [];

    /// <summary>True when the state above must reach stable storage (fsync) before the messages are sent.</summary>
    public bool MustSync { get; init; }

    /// <summary>
    /// True when <see cref="Messages"/> may go out before the state above is written and synced, so that the followers
    /// write while this node does: a leader's appends and heartbeats (the Raft dissertation, section 10.2.1; etcd's
    /// leader sends before it saves). A node sets it only for messages that promise nothing about its own unsynced state:
    /// never for a vote or an acknowledgement. A leader that counts its own copy of the entries toward a commit stays
    /// right, because the runtime makes the batch durable before it steps anything more into the node, so no reply to
    /// these messages reaches it first (<see cref="Runtime.ReadyDriver"/> works so).
    /// </summary>
    public bool SendBeforePersist { get; init; }

    /// <summary>
    /// Writes what this batch asks to persist to <paramref name="storage"/>, in the order recovery depends on: the
    /// snapshot, then the entries, then the hard state. The hard state may carry a commit index that covers the entries
    /// of this same batch (they may replace a conflicting suffix), so it goes last: a crash that tears the unsynced
    /// writes keeps a prefix of them, and a prefix that holds the new hard state then holds the entries it depends on
    /// too (etcd's WAL writes entries before state for the same reason). Does not sync: call
    /// <see cref="IConsensusStorage.Sync"/> after it when <see cref="MustSync"/>. Every runtime loop persists a batch
    /// through this one method, so the order is decided here only.
    /// </summary>
    /// <param name="storage">The node's storage.</param>
    public void WriteTo(IConsensusStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (Snapshot is { } snapshot)
        {
            storage.SaveSnapshot(snapshot);
        }

        if (Entries.Count > 0)
        {
            storage.Append(Entries);
        }

        if (!HardState.IsEmpty)
        {
            storage.SaveHardState(HardState);
        }
    }

    /// <summary>True when the batch holds nothing.</summary>
    public bool IsEmpty => HardState.IsEmpty && Snapshot is null && Entries.Count == 0 && Messages.Count == 0
        && CommittedEntries.Count == 0 && ReadStates.Count == 0;
}

/// <summary>A read request that became safe to serve once the state machine has applied <see cref="Index"/>.</summary>
/// <param name="Index">The commit index at the time the read was confirmed by a quorum.</param>
/// <param name="Context">The context the caller passed to <see cref="IConsensusNode.ReadIndex"/>.</param>
public sealed record ReadState(long Index, ReadOnlyMemory<byte> Context);
