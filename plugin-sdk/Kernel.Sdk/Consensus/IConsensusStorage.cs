namespace Kernel.Sdk.Consensus;

/// <summary>
/// A node's durable state: hard state, log and latest snapshot. Writes may be buffered until <see cref="Sync"/>;
/// only what was synced is guaranteed to survive a crash. Implementations detect a torn tail on open and drop it,
/// and report corruption anywhere before the tail as <see cref="StorageCorruptedException"/>.
/// </summary>
public interface IConsensusStorage : IDisposable
{
    /// <summary>What was durable when the storage was opened.</summary>
    RecoveredState Recovered { get; }

    /// <summary>
    /// Records the hard state. It may carry a commit index covering entries appended just before it (see
    /// <see cref="Ready.WriteTo"/>): a crash must not keep it while losing entries written before it.
    /// </summary>
    void SaveHardState(ReadOnlyMemory<byte> hardState);

    /// <summary>Appends entries; entries at or after the first one's index that are already stored are replaced.</summary>
    void Append(IReadOnlyList<LogEntry> entries);

    /// <summary>
    /// Stores a snapshot and drops the log entries it covers. Atomic: after a crash either the old or the new snapshot is
    /// there. Like every write here it is guaranteed durable only after the next <see cref="Sync"/>.
    /// </summary>
    void SaveSnapshot(Snapshot snapshot);

    /// <summary>Makes everything written so far durable (fsync).</summary>
    void Sync();
}

/// <summary>What a node recovers after a restart.</summary>
/// <param name="HardState">The last hard state saved, or empty.</param>
/// <param name="Snapshot">The last snapshot saved, or null.</param>
/// <param name="Entries">The log entries after the snapshot, in index order, contiguous.</param>
public sealed record RecoveredState(ReadOnlyMemory<byte> HardState, Snapshot? Snapshot, IReadOnlyList<LogEntry> Entries)
{
    /// <summary>The state of a node that has never run.</summary>
    public static RecoveredState Empty { get; } = new(ReadOnlyMemory<byte>.Empty, null, []);
}

/// <summary>Durable state that is damaged before its tail: reported, never silently skipped.</summary>
public sealed class StorageCorruptedException : Exception
{
    /// <summary>Creates the exception with a message naming the file and offset.</summary>
    public StorageCorruptedException(string message)
        : base(message)
    {
    }
}
