using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Storage;

namespace Kernel.Sdk.Runtime;

/// <summary>
/// The one loop that runs a pure core's output: persist, sync, send, apply, advance. The simulator, the test clusters,
/// the benchmark runtime and the node runtime all drive their nodes through it, so the order durability depends on is
/// written here only.
/// </summary>
/// <remarks>
/// <para>For a consensus node, each batch (<see cref="Ready"/>) goes: <see cref="ReadyStage.Received"/>; the snapshot,
/// entries and hard state written with <see cref="Ready.WriteTo"/>; <see cref="ReadyStage.Written"/>; a sync when
/// <see cref="Ready.MustSync"/>; <see cref="ReadyStage.Synced"/>; every message sent (<see cref="ReadyStage.SendingStarting"/>,
/// <see cref="ReadyStage.Sending"/> before each, <see cref="ReadyStage.Sent"/>; when <see cref="Ready.SendBeforePersist"/>, these
/// come right after <see cref="ReadyStage.Received"/>, before the writes); the snapshot restored into the state
/// machine, the committed entries applied, the reads that are now applied served; <see cref="ReadyStage.Delivered"/>;
/// <see cref="IConsensusNode.Advance"/>; <see cref="ReadyStage.Advanced"/>; then, when <see cref="ReadyDriverOptions.SnapshotEvery"/>
/// entries were applied since the last snapshot, a snapshot of the state machine is handed to <see cref="IConsensusNode.Compact"/>
/// and the record it returns saved and synced.</para>
/// <para>For a replica, each batch (<see cref="ReplicaReady"/>) goes: <see cref="ReadyStage.Received"/>;
/// <see cref="ReadyStage.WritesStarting"/>; each file replaced atomically, then each record appended
/// (<see cref="ReadyStage.Writing"/> before each, numbered on from the replacements), the appended files synced, the
/// deletions done and the directory synced when a file was created or deleted; <see cref="ReadyStage.Written"/>; <see cref="ReadyStage.Synced"/> (atomic replacement is durable when it returns); the
/// messages as above; the responses; <see cref="ReadyStage.Delivered"/>; <see cref="IReplicaNode.Advance"/>;
/// <see cref="ReadyStage.Advanced"/>.</para>
/// <para>Not thread-safe, like the node it drives: one thread calls it. Exceptions of the node and of storage end the
/// drain as <see cref="ReadyDrainOutcome.Failed"/>; a handler's own exceptions propagate.</para>
/// </remarks>
public sealed class ReadyDriver
{
    private readonly IConsensusNode? _node;
    private readonly IConsensusStorage? _storage;
    private readonly IConsensusReadyHandler? _handler;
    private readonly IReplicaNode? _replica;
    private readonly IDurableDirectory? _directory;
    private readonly IReplicaReadyHandler? _replicaHandler;
    private readonly ReadyDriverOptions _options;
    private readonly List<ReadState> _pendingReads = [];

    /// <summary>Drives a consensus node over its storage.</summary>
    /// <param name="node">The node.</param>
    /// <param name="storage">Its storage; <see cref="IConsensusStorage.Recovered"/> says where the state machine starts.</param>
    /// <param name="handler">The runtime's side.</param>
    /// <param name="options">Runtime settings; null: the defaults (no snapshots).</param>
    public ReadyDriver(IConsensusNode node, IConsensusStorage storage, IConsensusReadyHandler handler, ReadyDriverOptions? options)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(handler);
        _node = node;
        _storage = storage;
        _handler = handler;
        _options = options ?? new ReadyDriverOptions();
        Applied = storage.Recovered.Snapshot?.Index ?? 0;
        LastSnapshotIndex = Applied;
    }

    /// <summary>Drives a replica that persists into <paramref name="directory"/>.</summary>
    /// <param name="replica">The replica.</param>
    /// <param name="directory">Its durable directory.</param>
    /// <param name="handler">The runtime's side.</param>
    /// <param name="options">Runtime settings; null: the defaults.</param>
    public ReadyDriver(IReplicaNode replica, IDurableDirectory directory, IReplicaReadyHandler handler, ReadyDriverOptions? options)
    {
        ArgumentNullException.ThrowIfNull(replica);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(handler);
        _replica = replica;
        _directory = directory;
        _replicaHandler = handler;
        _options = options ?? new ReadyDriverOptions();
    }

    /// <summary>The index the state machine has applied up to (a consensus node; a restored snapshot sets it).</summary>
    public long Applied { get; private set; }

    /// <summary>The index of the last snapshot recovered, installed or taken.</summary>
    public long LastSnapshotIndex { get; private set; }

    /// <summary>Reads confirmed by the node and waiting for the state machine to apply their index.</summary>
    public int PendingReads => _pendingReads.Count;

    /// <summary>Handles every batch the node has, until it has none, the handler stops it, or something fails.</summary>
    public ReadyDrain Drain() => _node is not null ? DrainConsensus() : DrainReplica();

    private ReadyDrain DrainConsensus()
    {
        var node = _node!;
        var handler = _handler!;
        var storage = _storage!;
        var batches = 0;
        while (handler.Continue(ReadyStage.Next, null, 0))
        {
            Ready ready;
            try
            {
                if (!node.HasReady)
                {
                    return new ReadyDrain(ReadyDrainOutcome.Idle, batches, null, null);
                }

                ready = node.GetReady();
            }
            catch (Exception ex)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "GetReady", ex);
            }

            if (++batches > _options.MaxBatchesPerDrain)
            {
                return new ReadyDrain(ReadyDrainOutcome.Livelock, batches, null, null);
            }

            if (!handler.Continue(ReadyStage.Received, ready, 0))
            {
                return Stopped(batches);
            }

            var early = ready.SendBeforePersist; // a leader's appends go out while it writes them itself
            if (early && !SendAll(handler, ready, ready.Messages))
            {
                return Stopped(batches);
            }

            try
            {
                ready.WriteTo(storage); // snapshot, entries, then the hard state that may commit them
                if (!handler.Continue(ReadyStage.Written, ready, 0))
                {
                    return Stopped(batches);
                }

                if (ready.MustSync)
                {
                    storage.Sync();
                }
            }
            catch (Exception ex)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "storage", ex);
            }

            if (!handler.Continue(ReadyStage.Synced, ready, 0) || (!early && !SendAll(handler, ready, ready.Messages)))
            {
                return Stopped(batches);
            }

            if (ready.Snapshot is { } installed)
            {
                handler.Restore(installed);
                Applied = installed.Index;
                LastSnapshotIndex = installed.Index;
            }

            var committed = ready.CommittedEntries;
            for (var i = 0; i < committed.Count; i++) // index loops: foreach over the interfaces would box enumerators
            {
                var entry = committed[i];
                handler.Apply(entry);
                Applied = Math.Max(Applied, entry.Index);
            }

            for (var i = 0; i < ready.ReadStates.Count; i++)
            {
                _pendingReads.Add(ready.ReadStates[i]);
            }

            ServeReads(handler);
            if (!handler.Continue(ReadyStage.Delivered, ready, 0))
            {
                return Stopped(batches);
            }

            try
            {
                node.Advance(ready);
            }
            catch (Exception ex)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "Advance", ex);
            }

            if (!handler.Continue(ReadyStage.Advanced, ready, 0))
            {
                return Stopped(batches);
            }

            if (MaybeSnapshot(node, storage, handler) is { } failed)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "Compact", failed);
            }
        }

        return Stopped(batches);
    }

    private ReadyDrain DrainReplica()
    {
        var replica = _replica!;
        var handler = _replicaHandler!;
        var batches = 0;
        while (handler.Continue(ReadyStage.Next, null, 0))
        {
            ReplicaReady ready;
            try
            {
                if (!replica.HasReady)
                {
                    return new ReadyDrain(ReadyDrainOutcome.Idle, batches, null, null);
                }

                ready = replica.GetReady();
            }
            catch (Exception ex)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "GetReady", ex);
            }

            if (++batches > _options.MaxBatchesPerDrain)
            {
                return new ReadyDrain(ReadyDrainOutcome.Livelock, batches, null, null);
            }

            var writes = ready.Writes;
            if (!handler.Continue(ReadyStage.Received, ready, 0) || !handler.Continue(ReadyStage.WritesStarting, ready, -1))
            {
                return Stopped(batches);
            }

            try
            {
                var directory = _directory!;
                for (var i = 0; i < writes.Count; i++)
                {
                    if (!handler.Continue(ReadyStage.Writing, ready, i))
                    {
                        return Stopped(batches);
                    }

                    directory.WriteAtomic(writes[i].Key, writes[i].Value.Span);
                }

                if (ready.Appends.Count > 0 || ready.Deletes.Count > 0)
                {
                    if (!Persist(directory, ready, writes.Count, handler))
                    {
                        return Stopped(batches);
                    }
                }
            }
            catch (Exception ex)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "storage", ex);
            }

            if (!handler.Continue(ReadyStage.Written, ready, 0) || !handler.Continue(ReadyStage.Synced, ready, 0)
                || !SendAll(handler, ready, ready.Messages))
            {
                return Stopped(batches);
            }

            foreach (var (requestId, result) in ready.Responses)
            {
                handler.Respond(requestId, result);
            }

            if (!handler.Continue(ReadyStage.Delivered, ready, 0))
            {
                return Stopped(batches);
            }

            try
            {
                replica.Advance(ready);
            }
            catch (Exception ex)
            {
                return new ReadyDrain(ReadyDrainOutcome.Failed, batches, "Advance", ex);
            }

            if (!handler.Continue(ReadyStage.Advanced, ready, 0))
            {
                return Stopped(batches);
            }
        }

        return Stopped(batches);
    }

    /// <summary>
    /// Appends a replica's records (each file synced once, after its last append), deletes what it asked to, and syncs the
    /// directory when a file was created or deleted; false when the handler stopped before append number <c>i</c>
    /// (numbered after the atomic writes).
    /// </summary>
    private static bool Persist(IDurableDirectory directory, ReplicaReady ready, int firstIndex, IReplicaReadyHandler handler)
    {
        var appends = ready.Appends;
        var created = false;
        var open = new Dictionary<string, IDurableFile>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < appends.Count; i++)
            {
                if (!handler.Continue(ReadyStage.Writing, ready, firstIndex + i))
                {
                    return false;
                }

                var (name, bytes) = appends[i];
                if (!open.TryGetValue(name, out var file))
                {
                    created |= !directory.Exists(name);
                    file = directory.OpenAppend(name);
                    open[name] = file;
                }

                file.Append(bytes.Span);
            }

            foreach (var file in open.Values)
            {
                file.Sync();
            }
        }
        finally
        {
            foreach (var file in open.Values)
            {
                file.Dispose();
            }
        }

        foreach (var name in ready.Deletes)
        {
            directory.Delete(name);
        }

        if (created || ready.Deletes.Count > 0)
        {
            directory.SyncDirectory();
        }

        return true;
    }

    /// <summary>Sends a batch's messages with the stages around them; false when the handler stopped.</summary>
    private static bool SendAll<TReady>(IReadyHandler<TReady> handler, TReady ready, IReadOnlyList<Cluster.IProtocolMessage> messages)
        where TReady : class
    {
        if (!handler.Continue(ReadyStage.SendingStarting, ready, -1))
        {
            return false;
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (!handler.Continue(ReadyStage.Sending, ready, i))
            {
                return false;
            }

            handler.Send(messages[i]);
        }

        return handler.Continue(ReadyStage.Sent, ready, messages.Count);
    }

    private static ReadyDrain Stopped(int batches) => new(ReadyDrainOutcome.Stopped, batches, null, null);

    private void ServeReads(IConsensusReadyHandler handler)
    {
        for (var i = 0; i < _pendingReads.Count;)
        {
            var read = _pendingReads[i];
            if (read.Index <= Applied)
            {
                _pendingReads.RemoveAt(i);
                handler.ServeRead(read);
            }
            else
            {
                i++;
            }
        }
    }

    private Exception? MaybeSnapshot(IConsensusNode node, IConsensusStorage storage, IConsensusReadyHandler handler)
    {
        var every = _options.SnapshotEvery;
        if (every <= 0 || Applied - LastSnapshotIndex < every)
        {
            return null;
        }

        var data = handler.TakeSnapshot(Applied);
        try
        {
            // The node knows the term and membership at the index: it returns the record to persist.
            var snapshot = node.Compact(Applied, data);
            if (snapshot is not null)
            {
                storage.SaveSnapshot(snapshot);
                storage.Sync();
            }
        }
        catch (Exception ex)
        {
            return ex;
        }

        LastSnapshotIndex = Applied;
        return null;
    }
}
