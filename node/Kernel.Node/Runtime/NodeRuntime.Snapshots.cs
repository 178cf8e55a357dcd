using Kernel.Sdk.Consensus;

namespace Kernel.Node.Runtime;

/// <summary>
/// State-machine snapshots away from the loop. Every <see cref="NodeRuntimeOptions.SnapshotEvery"/> applied entries
/// (at points staggered between members: <see cref="NextSnapshotDue"/>) the loop captures the state machine (<see cref="IReplicatedStateMachine.CaptureSnapshot"/>, cheap) and a background task
/// encodes it; back on the loop the node compacts its log to it (<see cref="IConsensusNode.Compact"/>); a background task
/// writes the snapshot file (<see cref="IBackgroundSnapshotStorage.WriteSnapshot"/>, when the storage can); back on the
/// loop the storage drops the log it covers. One snapshot at a time; a snapshot installed from the leader meanwhile makes
/// the local one stale, and it is dropped. Storage without the two-step interface saves on the loop.
/// </summary>
/// <remarks>
/// A snapshot of a large store (tens of MB) takes longer than an election timeout to encode and write: taken on the loop,
/// as the SDK's driver does it, it held up heartbeats and the followers elected another leader under load.
/// </remarks>
internal sealed partial class NodeRuntime
{
    private Task? _snapshotWork;
    private long _lastLocalSnapshot;

    /// <summary>A snapshot encoded off the loop: the applied index it reflects and its bytes (or why it failed).</summary>
    private sealed record SnapshotEncoded(long Index, ReadOnlyMemory<byte> Data, Exception? Error);

    /// <summary>A snapshot file written off the loop (or why it failed).</summary>
    private sealed record SnapshotWritten(Snapshot Snapshot, Exception? Error);

    /// <summary>The index of the last snapshot this member holds (its own or one installed from a leader).</summary>
    private long LastSnapshotIndex => Math.Max(_lastLocalSnapshot, _driver!.LastSnapshotIndex);

    /// <summary>On the loop, after a drain: starts a snapshot when one is due and none is under way.</summary>
    private void MaybeStartSnapshot()
    {
        var every = _options.SnapshotEvery;
        if (every <= 0 || _snapshotWork is not null || !SnapshotMayStart())
        {
            return;
        }

        var applied = _machine.AppliedIndex;
        // The cluster map numbers members from 1 in the order of their ids: this member's rank among them is its node id - 1.
        if (applied < NextSnapshotDue(LastSnapshotIndex, every, _cluster.Self.Value - 1, _cluster.Members.Count))
        {
            return;
        }

        var captureStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var capture = _machine.CaptureSnapshot();
        _handler.Turn.Snapshot += System.Diagnostics.Stopwatch.GetTimestamp() - captureStarted;
        _snapshotWork = Task.Run(() =>
        {
            SnapshotEncoded encoded;
            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var data = capture();
                _metrics.SnapshotTaken(started, data.Length);
                encoded = new SnapshotEncoded(applied, data, null);
            }
            catch (Exception ex)
            {
                encoded = new SnapshotEncoded(applied, ReadOnlyMemory<byte>.Empty, ex);
            }

            _inbox.Writer.TryWrite(new Input(InputKind.SnapshotEncoded, encoded));
        });
    }

    /// <summary>
    /// The applied index from which this member's next snapshot is due, after one at <paramref name="last"/>. Members
    /// snapshot at points staggered by <c>every / members</c>: member <paramref name="rank"/> (0-based among
    /// <paramref name="members"/>) at the indexes congruent to <c>every × rank / members</c> modulo <paramref name="every"/>,
    /// so that no two of them encode a large store at once (when all did, every loop stalled in the same second and
    /// the followers elected a new leader). Two snapshots are at least half of <paramref name="every"/> apart.
    /// </summary>
    internal static long NextSnapshotDue(long last, long every, int rank, int members)
    {
        var phase = members <= 1 ? 0 : every * rank / members;
        var ahead = (((phase - last) % every) + every) % every;
        if (ahead < every / 2)
        {
            ahead += every;
        }

        return last + ahead;
    }

    /// <summary>On the loop: compacts the node's log to an encoded snapshot and has its file written.</summary>
    private void SnapshotWasEncoded(SnapshotEncoded encoded)
    {
        _snapshotWork = null;
        if (encoded.Error is { } error)
        {
            throw new InvalidOperationException($"the state machine's snapshot at {encoded.Index} failed: {error.Message}", error);
        }

        if (encoded.Index <= LastSnapshotIndex)
        {
            return; // a leader's snapshot was installed meanwhile
        }

        var snapshot = _node!.Compact(encoded.Index, encoded.Data);
        if (snapshot is null)
        {
            _lastLocalSnapshot = encoded.Index;
            return;
        }

        _handler.Turn.SnapshotBytes += encoded.Data.Length;
        if (_storage is not IBackgroundSnapshotStorage background)
        {
            try
            {
                _storage!.SaveSnapshot(snapshot);
                _storage.Sync();
            }
            catch (Exception ex) when (IsOutOfSpace(ex))
            {
                SnapshotFailedForSpace(snapshot.Index, ex);
                return;
            }

            _lastLocalSnapshot = snapshot.Index;
            return;
        }

        _snapshotWork = Task.Run(() =>
        {
            Exception? failed = null;
            try
            {
                background.WriteSnapshot(snapshot);
            }
            catch (Exception ex)
            {
                failed = ex;
            }

            _inbox.Writer.TryWrite(new Input(InputKind.SnapshotWritten, new SnapshotWritten(snapshot, failed)));
        });
    }

    /// <summary>On the loop: the snapshot file is durable; the log it covers goes.</summary>
    private void SnapshotWasWritten(SnapshotWritten written)
    {
        _snapshotWork = null;
        if (written.Error is { } noSpace && IsOutOfSpace(noSpace))
        {
            SnapshotFailedForSpace(written.Snapshot.Index, noSpace);
            return;
        }

        if (written.Error is { } error)
        {
            throw new InvalidOperationException($"writing the snapshot at {written.Snapshot.Index} failed: {error.Message}", error);
        }

        if (written.Snapshot.Index <= _driver!.LastSnapshotIndex)
        {
            return; // a newer snapshot from the leader replaced the file meanwhile: its point must stay the last
        }

        ((IBackgroundSnapshotStorage)_storage!).CommitSnapshot(written.Snapshot);
        _lastLocalSnapshot = written.Snapshot.Index;
        Log.SnapshotSaved(_logger, _cluster.SelfMember.Name, written.Snapshot.Index, written.Snapshot.Data.Length);
    }

    /// <summary>Waits for the snapshot work under way (before a leader's snapshot replaces the file, and when stopping).</summary>
    private void WaitForSnapshotWork()
    {
        try
        {
            _snapshotWork?.Wait();
        }
        catch (AggregateException)
        {
            // reported through the inbox (or lost when stopping: nothing was committed)
        }
    }
}
