using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Storage;
using Kernel.Storage.Codec;
using Kernel.Storage.Records;
using UltimateReplication.Shared;

namespace UltimateReplication.Async;

/// <summary>How far one backup is behind the primary.</summary>
/// <param name="Backup">The backup.</param>
/// <param name="Entries">Entries written on the primary and not yet acknowledged by the backup (unknown counts as all).</param>
/// <param name="Ticks">Ticks since the oldest entry it has not acknowledged was written (0 when it is up to date).</param>
internal readonly record struct Lag(NodeId Backup, long Entries, long Ticks);

/// <summary>
/// One replica of <c>replication/async</c> (see <see cref="AsyncStrategy"/>): the primary applies writes in order, makes
/// each durable before it answers, and ships them to the backups in batches from a bounded queue; a backup applies them in
/// order and acknowledges what is durable; both serve reads from their own state.
/// </summary>
internal sealed class AsyncReplica : IReplicaNode
{
    private const string AppliedFile = "applied";
    private const uint AppliedMagic = 0x5041534B; // "KSAP"
    private const int LazyPersistEvery = 10;
    private const string ForwardedFile = "forwarded";
    private const uint ForwardedMagic = 0x5746534B; // "KSFW"
    private const int RememberedForwards = 4096;
    private readonly AsyncOptions _options;
    private readonly AsyncFlaw _flaw;
    private readonly IReplicaModel _model;
    private readonly NodeId _primary;
    private readonly VersionedStore _store;
    private readonly List<Entry> _queue = [];
    private readonly SortedDictionary<int, BackupState> _backups = [];
    private readonly Dictionary<long, Pending> _forwarded = [];
    private readonly Queue<(long RequestId, ReplicaCommand Command, NodeId? From, long Op)> _blocked = new();
    private readonly Dictionary<(int From, long Op), byte[]> _done = [];
    private readonly Queue<(int From, long Op)> _doneOrder = new();
    private List<IProtocolMessage> _messages = [];
    private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
    private bool _doneDirty;
    private long _seq;
    private long _applied;
    private long _appliedWritten;
    private long _appliedDurable;
    private long _nextOp;
    private long _now;
    private bool _flushDue;

    public AsyncReplica(ReplicaOptions options, AsyncOptions settings, AsyncFlaw flaw)
    {
        Id = options.Id;
        _options = settings;
        _flaw = flaw;
        _model = options.Model;
        _primary = settings.Primary == 0 ? options.Replicas.Min() : new NodeId(settings.Primary);
        _store = VersionedStore.Recover(options.Directory);
        _seq = _store.MaxCounter;
        _applied = _appliedDurable = _appliedWritten = options.Directory.Exists(AppliedFile) ? ReadApplied(options.Directory) : 0;
        _nextOp = options.Random.NextInt64(1, 1L << 62);
        if (options.Directory.Exists(ForwardedFile))
        {
            foreach (var (from, op, response) in ReadForwarded(options.Directory))
            {
                Remember(from, op, response);
            }

            _doneDirty = false;
        }

        if (IsPrimary)
        {
            foreach (var b in options.Replicas.Where(r => r != Id))
            {
                _backups[b.Value] = new BackupState(b);
            }
        }
    }

    public NodeId Id { get; }

    public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || (PersistNow && (_store.HasDirty || _doneDirty || _appliedDurable != _appliedWritten));

    /// <summary>How far each backup is behind (the primary's view; empty on a backup).</summary>
    internal IReadOnlyList<Lag> Lags => [.. _backups.Values.Select(b => new Lag(b.Id, b.Acked < 0 ? _seq : _seq - b.Acked, LagTicks(b)))];

    /// <summary>Entries queued in memory for backups (the primary's; for tests).</summary>
    internal int Queued => _queue.Count;

    private bool IsPrimary => Id == _primary;

    private bool PersistNow => _flaw != AsyncFlaw.AckBeforePersist || _flushDue;

    public void Tick()
    {
        _now++;
        _flushDue |= _now % LazyPersistEvery == 0;
        foreach (var (op, pending) in _forwarded.ToList())
        {
            if (_now - pending.Sent > _options.ForwardTimeoutTicks)
            {
                _forwarded.Remove(op); // no answer: the client's outcome stays unknown
            }
        }

        if (IsPrimary)
        {
            foreach (var b in _backups.Values)
            {
                Ship(b);
            }
        }
    }

    public SubmitResult Submit(long requestId, ReplicaCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.ReadOnly)
        {
            // Reads are served from this replica's state: a backup's may be behind the primary's.
            _responses.Add(new(requestId, _model.Apply(command, _store.Get(command.Key)?.Current).Response));
            return SubmitResult.Ok;
        }

        if (IsPrimary)
        {
            return Write(requestId, command, null, 0);
        }

        if (_forwarded.Count >= _options.MaxPendingRequests)
        {
            return SubmitResult.Refused($"too many requests in flight ({_options.MaxPendingRequests}); retry later");
        }

        var op = ++_nextOp;
        _forwarded[op] = new Pending(requestId, _now);
        _messages.Add(new AsyncMessage(AsyncMessageType.Forward, Id, _primary)
        {
            Op = op,
            Key = command.Key,
            Flags = (byte)((command.ReadOnly ? 1 : 0) | (command.Overwrites ? 2 : 0)),
            Payload = command.Payload,
        });
        return SubmitResult.Ok;
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not AsyncMessage m || m.To != Id)
        {
            return;
        }

        switch (m.Type)
        {
            case AsyncMessageType.Forward when IsPrimary && _done.TryGetValue((m.From.Value, m.Op), out var earlier):
                // A duplicate of a forwarded write already applied: the first answer again, never a second application.
                _messages.Add(new AsyncMessage(AsyncMessageType.Reply, Id, m.From) { Op = m.Op, Payload = earlier });
                break;
            case AsyncMessageType.Forward when IsPrimary && _blocked.Any(b => b.From == m.From && b.Op == m.Op):
                break;
            case AsyncMessageType.Forward when IsPrimary:
                var command = new ReplicaCommand(m.Key, (m.Flags & 1) != 0, m.Payload) { Overwrites = (m.Flags & 2) != 0 };
                // Refused (a full queue): the backup's client hears nothing and times out, and the write did not happen.
                Write(0, command, m.From, m.Op);

                break;
            case AsyncMessageType.Reply when _forwarded.Remove(m.Op, out var pending):
                _responses.Add(new(pending.RequestId, m.Payload));
                break;
            case AsyncMessageType.Ship when !IsPrimary:
                foreach (var (key, cell) in m.Cells)
                {
                    if (cell.Stamp.Counter == _applied + 1)
                    {
                        _store.Offer(key, cell);
                        _applied++;
                    }
                    else if (cell.Stamp.Counter > _applied + 1)
                    {
                        break; // a gap: the primary sends again from what this backup acknowledges
                    }
                }

                Acknowledge(m.From);
                break;
            case AsyncMessageType.CatchUp when !IsPrimary:
                foreach (var (key, cell) in m.Cells)
                {
                    _store.Offer(key, cell);
                }

                _applied = Math.Max(_applied, m.Seq);
                Acknowledge(m.From);
                break;
            case AsyncMessageType.Ack when IsPrimary && _backups.TryGetValue(m.From.Value, out var backup):
                // The backup says where it is. Lower than before: it restarted with an older applied mark (its files are
                // newer, but it cannot know), or this is an old ack overtaken by a newer one; shipping again from there is
                // harmless, since a backup keeps the newer of two versions.
                if (m.Seq > backup.Acked)
                {
                    backup.Progressed = _now;
                }

                backup.Acked = m.Seq;
                backup.ShippedTo = Math.Max(backup.ShippedTo, m.Seq);
                if (backup.ShippedTo > m.Seq && backup.Progressed < _now)
                {
                    backup.ShippedTo = m.Seq;
                }

                Trim();
                Unblock();
                break;
        }
    }

    public ReplicaReady GetReady()
    {
        var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        if (PersistNow)
        {
            _store.CollectWrites(writes);

            // The applied mark is written only once the entries it covers are durable (a batch earlier), so after a crash
            // it never claims an entry whose key file was lost.
            if (_appliedDurable != _appliedWritten)
            {
                writes.Add(new(AppliedFile, EncodeApplied(_appliedDurable)));
                _appliedWritten = _appliedDurable;
            }

            // The forwarded writes applied (with their answers), written with the entries themselves: a duplicate that
            // arrives after a restart is answered, not applied again.
            if (_doneDirty)
            {
                writes.Add(new(ForwardedFile, EncodeForwarded()));
                _doneDirty = false;
            }
        }

        var ready = new ReplicaReady { Writes = writes, Messages = _messages, Responses = _responses };
        _messages = [];
        _responses = [];
        return ready;
    }

    public void Advance(ReplicaReady ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        _store.Written(ready.Writes);
        if (ready.Writes.Count > 0)
        {
            _flushDue = false;
        }

        if (!_store.HasDirty)
        {
            _appliedDurable = _applied;
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => _store.Contents();

    /// <summary>The primary applies a write, stamps it with the next sequence number and queues it for the backups.</summary>
    private SubmitResult Write(long requestId, ReplicaCommand command, NodeId? from, long op)
    {
        if (_queue.Count >= _options.MaxQueueEntries && !MakeRoom())
        {
            if (_options.Overflow == OverflowPolicy.Block && _blocked.Count < _options.MaxPendingRequests)
            {
                _blocked.Enqueue((requestId, command, from, op));
                return SubmitResult.Ok;
            }

            var behind = _backups.Values.Where(b => b.Acked < _seq).Select(b => b.Id.ToString()).FirstOrDefault() ?? "a backup";
            return SubmitResult.Refused($"replication queue full ({_options.MaxQueueEntries} entries): {behind} has not acknowledged them");
        }

        var outcome = _model.Apply(command, _store.Get(command.Key)?.Current);
        var cell = new Cell(new Stamp(++_seq, Id.Value), outcome.Value is { } v ? v.ToArray() : null);
        _store.Offer(command.Key, cell);
        _queue.Add(new Entry(command.Key, cell, _now));

        // Answered in this batch, after its files are durable (the runtime writes before it sends and answers).
        if (from is { } backup)
        {
            Remember(backup.Value, op, outcome.Response.ToArray());
            _messages.Add(new AsyncMessage(AsyncMessageType.Reply, Id, backup) { Op = op, Payload = outcome.Response });
        }
        else
        {
            _responses.Add(new(requestId, outcome.Response));
        }

        return SubmitResult.Ok;
    }

    /// <summary>Frees queue space by the overflow policy; true when there is room now.</summary>
    private bool MakeRoom()
    {
        Trim();
        if (_queue.Count < _options.MaxQueueEntries)
        {
            return true;
        }

        if (_options.Overflow != OverflowPolicy.Spill)
        {
            return false;
        }

        // Spill: the oldest half leaves memory; a backup that needed it catches up from the store (it is on disk).
        _queue.RemoveRange(0, Math.Max(1, _queue.Count / 2));
        return true;
    }

    /// <summary>Drops queued entries every backup has acknowledged.</summary>
    private void Trim()
    {
        if (_backups.Count == 0)
        {
            _queue.Clear();
            return;
        }

        var everyone = _backups.Values.Min(b => b.Acked);
        var n = 0;
        while (n < _queue.Count && _queue[n].Cell.Stamp.Counter <= everyone)
        {
            n++;
        }

        _queue.RemoveRange(0, n);
    }

    private void Unblock()
    {
        while (_blocked.Count > 0 && (_queue.Count < _options.MaxQueueEntries || MakeRoom()))
        {
            var (requestId, command, from, op) = _blocked.Dequeue();
            Write(requestId, command, from, op);
        }
    }

    /// <summary>Sends a backup what it lacks: queued entries in order, or a catch-up from the store when they left memory.</summary>
    private void Ship(BackupState b)
    {
        var resend = _now - b.Sent >= _options.ResendIntervalTicks;
        if (b.Acked < 0)
        {
            if (resend)
            {
                b.Sent = _now;
                _messages.Add(new AsyncMessage(AsyncMessageType.Ship, Id, b.Id) { Seq = _seq });
            }

            return;
        }

        if (b.Acked >= _seq)
        {
            return;
        }

        if (resend && b.ShippedTo > b.Acked && b.Progressed < b.Sent)
        {
            b.ShippedTo = b.Acked; // nothing acknowledged since the last shipment: ship it again
        }

        var queueStart = _queue.Count > 0 ? _queue[0].Cell.Stamp.Counter : _seq + 1;
        if (b.Acked + 1 < queueStart && _flaw == AsyncFlaw.DropOnOverflow)
        {
            b.ShippedTo = queueStart - 1; // the bug: what left the queue is never sent, so the backup stalls at the gap
        }
        else if (b.Acked + 1 < queueStart)
        {
            if (resend)
            {
                b.Sent = _now;
                _messages.Add(new AsyncMessage(AsyncMessageType.CatchUp, Id, b.Id) { Seq = _seq, Cells = _store.Since(b.Acked) });
            }

            return;
        }

        if (b.ShippedTo >= _seq)
        {
            return;
        }

        var from = (int)(Math.Max(b.ShippedTo, b.Acked) + 1 - queueStart);
        var batch = _queue.Skip(from).Take(_options.MaxBatchEntries).Select(e => new KeyValuePair<string, Cell>(e.Key, e.Cell)).ToList();
        if (batch.Count == 0)
        {
            return;
        }

        b.Sent = _now;
        b.ShippedTo = batch[^1].Value.Stamp.Counter;
        _messages.Add(new AsyncMessage(AsyncMessageType.Ship, Id, b.Id) { Seq = batch[0].Value.Stamp.Counter - 1, Cells = batch });
    }

    private void Acknowledge(NodeId primary) =>
        _messages.Add(new AsyncMessage(AsyncMessageType.Ack, Id, primary) { Seq = _applied });

    private long LagTicks(BackupState b)
    {
        if (b.Acked >= _seq)
        {
            return 0;
        }

        var oldest = _queue.FirstOrDefault(e => e.Cell.Stamp.Counter > b.Acked);
        return oldest is null ? _now - b.Progressed : _now - oldest.Written;
    }

    private void Remember(int from, long op, byte[] response)
    {
        if (_done.TryAdd((from, op), response))
        {
            _doneOrder.Enqueue((from, op));
            _doneDirty = true;
            if (_doneOrder.Count > RememberedForwards)
            {
                _done.Remove(_doneOrder.Dequeue());
            }
        }
    }

    private byte[] EncodeForwarded()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new BinaryOut(buffer);
        w.UVarint((ulong)_doneOrder.Count);
        foreach (var key in _doneOrder)
        {
            w.Int(key.From);
            w.Varint(key.Op);
            w.Bytes(_done[key]);
        }

        return ChecksummedFile.Encode(ForwardedMagic, buffer.WrittenSpan);
    }

    private static List<(int From, long Op, byte[] Response)> ReadForwarded(IDurableDirectory directory) =>
        ChecksummedFile.Read(directory, ForwardedFile, ForwardedMagic, "Forwarded writes file", p =>
        {
            var r = new BinaryIn(p);
            var n = CellCodec.Count(ref r);
            var list = new List<(int, long, byte[])>(n);
            for (var i = 0; i < n; i++)
            {
                list.Add((r.Int(), r.Varint(), r.Bytes()));
            }

            r.End();
            return list;
        });

    private static byte[] EncodeApplied(long applied)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        new BinaryOut(buffer).Varint(applied);
        return ChecksummedFile.Encode(AppliedMagic, buffer.WrittenSpan);
    }

    private static long ReadApplied(IDurableDirectory directory) =>
        ChecksummedFile.Read(directory, AppliedFile, AppliedMagic, "Backup applied mark", p =>
        {
            var r = new BinaryIn(p);
            var applied = r.Varint();
            r.End();
            return applied;
        });

    private sealed record Entry(string Key, Cell Cell, long Written);

    private sealed record Pending(long RequestId, long Sent);

    private sealed class BackupState(NodeId id)
    {
        public NodeId Id { get; } = id;

        /// <summary>What the backup acknowledged durable; -1 until it says (after every start of the primary).</summary>
        public long Acked { get; set; } = -1;

        public long ShippedTo { get; set; } = -1;

        public long Sent { get; set; } = long.MinValue / 2;

        public long Progressed { get; set; }
    }
}
