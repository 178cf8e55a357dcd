using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using UltimateReplication.Shared;

namespace UltimateReplication.SyncQuorum;

/// <summary>
/// One replica of <c>replication/sync-quorum</c> (see <see cref="SyncQuorumStrategy"/>): a store of versioned keys that
/// answers queries and stores versions for any coordinator, and a coordinator for its own clients' requests. Messages to
/// itself wait until the batch that produced them is durable, exactly as a peer's would, so a reply (its own included)
/// always reports a durable version.
/// </summary>
internal sealed class SyncQuorumReplica : IReplicaNode
{
    private const int LazyPersistEvery = 10;
    private readonly SyncQuorumOptions _options;
    private readonly SyncQuorumFlaw _flaw;
    private readonly IReplicaModel _model;
    private readonly IReadOnlyList<NodeId> _replicas;
    private readonly IReadOnlyList<NodeId> _peers;
    private readonly Random _random;
    private readonly int _w;
    private readonly int _r;
    private readonly VersionedStore _store;
    private readonly Dictionary<long, Operation> _ops = [];
    private readonly SortedDictionary<(int Node, string Key), Cell> _hints = new(HintOrder.Instance);
    private List<IProtocolMessage> _messages = [];
    private List<SyncQuorumMessage> _toSelf = [];
    private List<SyncQuorumMessage> _toSelfInFlight = [];
    private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
    private long _nextOp;
    private long _now;
    private long _clock;
    private bool _flushDue;

    public SyncQuorumReplica(ReplicaOptions options, SyncQuorumOptions settings, SyncQuorumFlaw flaw)
    {
        Id = options.Id;
        _options = settings;
        _flaw = flaw;
        _model = options.Model;
        _replicas = [.. options.Replicas];
        _peers = [.. options.Replicas.Where(r => r != options.Id)];
        _random = options.Random;
        _w = settings.W(_replicas.Count);
        _r = settings.R(_replicas.Count);
        _store = VersionedStore.Recover(options.Directory);
        _clock = _store.MaxCounter;

        // A fresh range of operation ids at every start, so a reply meant for an operation from before a crash never
        // matches one of now (0 marks hints and anti-entropy).
        _nextOp = options.Random.NextInt64(1, 1L << 62);
    }

    public NodeId Id { get; }

    public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || _toSelf.Count > 0 || (_store.HasDirty && PersistNow);

    /// <summary>Operations in flight (for tests).</summary>
    internal int Pending => _ops.Count;

    /// <summary>Hints held for replicas that missed writes (for tests).</summary>
    internal int Hints => _hints.Count;

    private bool PersistNow => _flaw != SyncQuorumFlaw.LazyPersist || _flushDue;

    public void Tick()
    {
        _now++;
        _flushDue |= _now % LazyPersistEvery == 0;
        foreach (var op in _ops.Values.ToList())
        {
            if (_now - op.Started > _options.RequestTimeoutTicks)
            {
                // Given up: no answer, so the client's outcome stays unknown; a version already sent may still spread.
                _ops.Remove(op.Id);
                if (op.Phase == 2)
                {
                    AddHints(op);
                }
            }
            else if (_now - op.LastSent >= _options.ResendIntervalTicks)
            {
                SendPhase(op);
            }
        }

        if (_now % _options.ResendIntervalTicks == 0)
        {
            foreach (var ((node, key), cell) in _hints)
            {
                Send(new SyncQuorumMessage(SyncQuorumMessageType.Store, Id, new NodeId(node)) { Key = key, Cell = cell });
            }
        }

        if (_now % _options.AntiEntropyIntervalTicks == 0 && _peers.Count > 0 && _store.Count > 0)
        {
            var peer = _peers[_random.Next(_peers.Count)];
            Send(new SyncQuorumMessage(SyncQuorumMessageType.Digest, Id, peer) { RangeHashes = _store.RangeHashes() });
        }
    }

    public SubmitResult Submit(long requestId, ReplicaCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!command.ReadOnly && !command.Overwrites)
        {
            return SubmitResult.Refused(
                "sync-quorum serves reads and blind writes (put) only: a read-modify-write such as append or compare-and-set cannot be made atomic by quorums");
        }

        if (_ops.Count >= _options.MaxPendingRequests)
        {
            return SubmitResult.Refused($"too many requests in flight ({_options.MaxPendingRequests}); retry later");
        }

        var op = new Operation(++_nextOp, requestId, command, _now);
        _ops[op.Id] = op;
        SendPhase(op);
        return SubmitResult.Ok;
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not SyncQuorumMessage m || m.To != Id)
        {
            return;
        }

        switch (m.Type)
        {
            case SyncQuorumMessageType.Query:
                var held = _store.Get(m.Key);
                Send(new SyncQuorumMessage(SyncQuorumMessageType.QueryReply, Id, m.From) { Op = m.Op, Key = m.Key, Found = held is not null, Cell = held ?? default });
                break;
            case SyncQuorumMessageType.QueryReply:
                OnQueryReply(m);
                break;
            case SyncQuorumMessageType.Store:
                // Acknowledged once this batch's files are durable: the runtime writes before it sends.
                _clock = Math.Max(_clock, m.Cell.Stamp.Counter);
                _store.Offer(m.Key, m.Cell);
                Send(new SyncQuorumMessage(SyncQuorumMessageType.StoreAck, Id, m.From) { Op = m.Op, Key = m.Key, Cell = m.Cell with { Value = null } });
                break;
            case SyncQuorumMessageType.StoreAck:
                OnStoreAck(m);
                break;
            case SyncQuorumMessageType.Digest:
                var differing = _store.DifferingRanges(m.RangeHashes);
                if (differing.Count > 0)
                {
                    Send(new SyncQuorumMessage(SyncQuorumMessageType.DigestReply, Id, m.From) { Ranges = differing, Cells = _store.InRanges(differing) });
                }

                break;
            case SyncQuorumMessageType.DigestReply:
                var theirs = Merge(m.Cells);
                var mine = _store.NewerIn(m.Ranges, theirs);
                if (mine.Count > 0)
                {
                    Send(new SyncQuorumMessage(SyncQuorumMessageType.Entries, Id, m.From) { Ranges = m.Ranges, Cells = mine });
                }

                break;
            case SyncQuorumMessageType.Entries:
                Merge(m.Cells);
                break;
        }
    }

    public ReplicaReady GetReady()
    {
        var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        if (PersistNow)
        {
            _store.CollectWrites(writes);
        }

        var ready = new ReplicaReady { Writes = writes, Messages = _messages, Responses = _responses };
        _toSelfInFlight = _toSelf;
        _toSelf = [];
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

        // What this replica sent itself is handled now that the batch which produced it is durable.
        var self = _toSelfInFlight;
        _toSelfInFlight = [];
        foreach (var m in self)
        {
            Step(m);
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => _store.Contents();

    private void OnQueryReply(SyncQuorumMessage m)
    {
        if (!_ops.TryGetValue(m.Op, out var op) || op.Phase != 1 || m.Key != op.Command.Key || !op.Answered.Add(m.From.Value))
        {
            return;
        }

        if (m.Found)
        {
            _clock = Math.Max(_clock, m.Cell.Stamp.Counter);
            if (op.Newest is not { } newest || m.Cell.Stamp > newest.Stamp)
            {
                op.Newest = m.Cell;
                op.HoldersOfNewest = 1;
            }
            else if (m.Cell.Stamp == newest.Stamp)
            {
                op.HoldersOfNewest++;
            }
        }

        if (op.Answered.Count < _r)
        {
            return;
        }

        var current = op.Newest?.Current;
        if (op.Command.ReadOnly)
        {
            op.Response = _model.Apply(op.Command, current).Response;
            if (op.Newest is not { } newest || op.HoldersOfNewest >= _w || _flaw == SyncQuorumFlaw.NoReadRepair)
            {
                Complete(op);
                return;
            }

            // Read repair before answering: once W replicas hold the version, every later read sees it or a newer one.
            op.Storing = newest;
        }
        else
        {
            var outcome = _model.Apply(op.Command, current);
            _clock = Math.Max(_clock, op.Newest?.Stamp.Counter ?? 0) + 1;
            op.Storing = new Cell(new Stamp(_clock, Id.Value), outcome.Value is { } next ? next.ToArray() : null);
            op.Response = outcome.Response;
        }

        op.Phase = 2;
        op.Answered.Clear();
        SendPhase(op);
    }

    private void OnStoreAck(SyncQuorumMessage m)
    {
        if (m.Op == 0)
        {
            if (_hints.TryGetValue((m.From.Value, m.Key), out var hint) && m.Cell.Stamp >= hint.Stamp)
            {
                _hints.Remove((m.From.Value, m.Key));
            }

            return;
        }

        if (_ops.TryGetValue(m.Op, out var op) && op.Phase == 2 && m.Key == op.Command.Key && m.Cell.Stamp == op.Storing.Stamp
            && op.Answered.Add(m.From.Value) && op.Answered.Count >= _w)
        {
            Complete(op);
        }
    }

    private void Complete(Operation op)
    {
        _ops.Remove(op.Id);
        _responses.Add(new(op.RequestId, op.Response));
        if (op.Phase == 2)
        {
            AddHints(op);
        }
    }

    /// <summary>Hinted handoff: the replicas that have not acknowledged the version get it again until they do.</summary>
    private void AddHints(Operation op)
    {
        if (!_options.HintedHandoff)
        {
            return;
        }

        foreach (var replica in _peers)
        {
            var key = (replica.Value, op.Command.Key);
            if (op.Answered.Contains(replica.Value) || (_hints.TryGetValue(key, out var held) && held.Stamp >= op.Storing.Stamp))
            {
                continue;
            }

            if (_hints.Count < _options.MaxHints || _hints.ContainsKey(key))
            {
                _hints[key] = op.Storing;
            }
        }
    }

    /// <summary>Keeps the newer of each arrived version; returns the stamps that arrived, by key.</summary>
    private Dictionary<string, Stamp> Merge(IReadOnlyList<KeyValuePair<string, Cell>> cells)
    {
        var stamps = _store.OfferAll(cells);
        _clock = Math.Max(_clock, _store.MaxCounter);
        return stamps;
    }

    /// <summary>Sends the operation's current phase to every replica that has not answered it yet.</summary>
    private void SendPhase(Operation op)
    {
        op.LastSent = _now;
        foreach (var replica in _replicas)
        {
            if (op.Answered.Contains(replica.Value))
            {
                continue;
            }

            Send(op.Phase == 1
                ? new SyncQuorumMessage(SyncQuorumMessageType.Query, Id, replica) { Op = op.Id, Key = op.Command.Key }
                : new SyncQuorumMessage(SyncQuorumMessageType.Store, Id, replica) { Op = op.Id, Key = op.Command.Key, Cell = op.Storing });
        }
    }

    private void Send(SyncQuorumMessage message)
    {
        if (message.To == Id)
        {
            _toSelf.Add(message);
        }
        else
        {
            _messages.Add(message);
        }
    }

    /// <summary>A client request in flight: phase 1 gathers R versions, phase 2 stores one on W replicas.</summary>
    private sealed class Operation(long id, long requestId, ReplicaCommand command, long started)
    {
        public long Id { get; } = id;

        public long RequestId { get; } = requestId;

        public ReplicaCommand Command { get; } = command;

        public long Started { get; } = started;

        public int Phase { get; set; } = 1;

        public HashSet<int> Answered { get; } = [];

        public Cell? Newest { get; set; }

        public int HoldersOfNewest { get; set; }

        public Cell Storing { get; set; }

        public ReadOnlyMemory<byte> Response { get; set; }

        public long LastSent { get; set; }
    }

    /// <summary>Hints in (replica, key) order, so resending them is deterministic.</summary>
    private sealed class HintOrder : IComparer<(int Node, string Key)>
    {
        public static HintOrder Instance { get; } = new();

        public int Compare((int Node, string Key) x, (int Node, string Key) y) =>
            x.Node != y.Node ? x.Node.CompareTo(y.Node) : string.CompareOrdinal(x.Key, y.Key);
    }
}
