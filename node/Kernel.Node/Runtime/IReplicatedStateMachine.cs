namespace Kernel.Node.Runtime;

/// <summary>
/// The deterministic state machine a member replicates (the etcd MVCC store, or a test's): committed commands in log
/// order, snapshots out and in. Called only from the member's own loop, never concurrently.
/// </summary>
internal interface IReplicatedStateMachine
{
    /// <summary>The log index of the last command applied (or restored from a snapshot); 0 when empty.</summary>
    long AppliedIndex { get; }

    /// <summary>
    /// Applies a committed command at a log index (indexes increase; each is applied once per member). Returns the
    /// response the proposer receives (null for none). Deterministic: the same commands give the same state and the same
    /// responses on every member. Time enters only through commands (the leader proposes what time decides, such as a
    /// lease expiry).
    /// </summary>
    object? Apply(long index, ReadOnlyMemory<byte> command);

    /// <summary>Moves <see cref="AppliedIndex"/> past a committed entry that carries no command (a no-op, a membership change).</summary>
    void Skip(long index);

    /// <summary>Encodes the whole state as of <see cref="AppliedIndex"/> (canonical: equal states, equal bytes).</summary>
    ReadOnlyMemory<byte> Snapshot();

    /// <summary>
    /// Captures the state as of <see cref="AppliedIndex"/> on the loop, cheaply; the function returned encodes it (the bytes
    /// of <see cref="Snapshot"/>) on another thread while the loop goes on applying. By default the state is encoded here.
    /// </summary>
    Func<ReadOnlyMemory<byte>> CaptureSnapshot()
    {
        var data = Snapshot();
        return () => data;
    }

    /// <summary>Replaces the state with a snapshot's (empty: the empty state).</summary>
    /// <exception cref="FormatException">The bytes are not a snapshot of this state machine.</exception>
    void Restore(ReadOnlySpan<byte> snapshot);
}
