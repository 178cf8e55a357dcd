namespace Kernel.Sdk.Consensus;

/// <summary>
/// An <see cref="IConsensusStorage"/> that can save a snapshot in two steps, so that writing a large state machine's
/// snapshot does not hold up the loop that appends to the log: <see cref="WriteSnapshot"/> makes the snapshot durable and
/// may run on another thread while the loop appends and syncs; <see cref="CommitSnapshot"/>, on the loop afterwards, drops
/// the log entries it covers. <see cref="IConsensusStorage.SaveSnapshot"/> is the two in one.
/// </summary>
/// <remarks>
/// At most one <see cref="WriteSnapshot"/> runs at a time, and never while <see cref="IConsensusStorage.SaveSnapshot"/>
/// runs (a snapshot installed from a leader). A crash after <see cref="WriteSnapshot"/> returned and before
/// <see cref="CommitSnapshot"/> recovers the snapshot with the log entries after it.
/// </remarks>
public interface IBackgroundSnapshotStorage
{
    /// <summary>Writes <paramref name="snapshot"/> durably (it replaces the previous one atomically); the log is left as it is.</summary>
    void WriteSnapshot(Snapshot snapshot);

    /// <summary>Records that <paramref name="snapshot"/>, written by <see cref="WriteSnapshot"/>, covers the log through its index, and drops what it covers.</summary>
    void CommitSnapshot(Snapshot snapshot);
}
