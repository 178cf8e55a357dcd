using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using UltimateReplication.Shared;

namespace UltimateReplication.MultiMaster;

/// <summary>
/// One replica of <c>replication/multi-master</c> (see <see cref="MultiMasterStrategy"/>): applies its clients' commands
/// to its own versions, merges what peers push and repair, pushes its own changes to each peer until acknowledged, and
/// compares key-range hashes with the next peer in turn.
/// </summary>
internal sealed class MultiMasterReplica : IReplicaNode
{
    private const int LazyPersistEvery = 10;
    private readonly MultiMasterOptions _options;
    private readonly MultiMasterFlaw _flaw;
    private readonly IConflictResolver? _resolver;
    private readonly IReplicaModel _model;
    private readonly MultiMasterStore _store;
    private readonly Peer[] _peers;
    private readonly long _incarnation;
    private List<IProtocolMessage> _messages = [];
    private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
    private long _lamport;
    private long _now;
    private int _nextDigest;
    private bool _flushDue;

    public MultiMasterReplica(ReplicaOptions options, MultiMasterOptions settings, IConflictResolver? resolver, MultiMasterFlaw flaw)
    {
        Id = options.Id;
        _options = settings;
        _resolver = resolver;
        _flaw = flaw;
        _model = options.Model;
        _store = MultiMasterStore.Recover(options.Directory);
        _lamport = _store.MaxTimestamp;
        _incarnation = options.Random.NextInt64(1, long.MaxValue);
        _peers = [.. options.Replicas.Where(r => r != Id).Order().Select(r => new Peer(r))];
        _nextDigest = options.Random.Next(Math.Max(1, _peers.Length));
    }

    public NodeId Id { get; }

    public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || (PersistNow && _store.HasDirty);

    private bool PersistNow => _flaw != MultiMasterFlaw.AckBeforePersist || _flushDue;

    private Reconciliation How => _flaw == MultiMasterFlaw.ArrivalOrder ? Reconciliation.FirstArrivalWins : Reconciliation.Resolve;

    public void Tick()
    {
        _now++;
        _flushDue |= _now % LazyPersistEvery == 0;
        if (_now % _options.PushIntervalTicks == 0)
        {
            foreach (var peer in _peers)
            {
                Push(peer);
            }
        }

        if (_now % _options.AntiEntropyIntervalTicks == 0 && _peers.Length > 0)
        {
            var peer = _peers[_nextDigest++ % _peers.Length];
            _messages.Add(new MultiMasterMessage(MultiMasterMessageType.Digest, Id, peer.Id) { Hashes = _store.RangeHashes() });
        }
    }

    public SubmitResult Submit(long requestId, ReplicaCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var versions = _store.Get(command.Key);
        var current = versions is null ? null : SiblingSets.Latest(versions).Current;
        var outcome = _model.Apply(command, current);
        if (!command.ReadOnly && (command.Overwrites || !Values.Same(current, outcome.Value)))
        {
            // A command that leaves the value as it is (a failed compare-and-set) writes nothing, siblings stay. A new
            // version has seen every version of the key here: it supersedes them all, siblings included.
            _lamport++;
            var clock = SiblingSets.Seen(versions).Increment(Id, out _);
            _store.Set(command.Key, [new KeyVersion(Id, _lamport, clock, outcome.Value?.ToArray())]);
        }

        // Answered in this batch, after the key's file is durable (the runtime writes before it answers).
        _responses.Add(new(requestId, outcome.Response));
        return SubmitResult.Ok;
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not MultiMasterMessage m || m.To != Id)
        {
            return;
        }

        switch (m.Type)
        {
            case MultiMasterMessageType.Push:
                Merge(m.Keys);

                // Sent after this batch's files are durable: the peer stops sending what is acknowledged.
                _messages.Add(new MultiMasterMessage(MultiMasterMessageType.Ack, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq });
                break;
            case MultiMasterMessageType.Ack when m.Incarnation == _incarnation && PeerOf(m.From) is { } peer:
                peer.Acked = Math.Max(peer.Acked, m.Seq);
                break;
            case MultiMasterMessageType.Digest:
                var differing = _store.DifferingRanges(m.Hashes);
                if (differing.Length > 0)
                {
                    _messages.Add(new MultiMasterMessage(MultiMasterMessageType.Repair, Id, m.From) { Reply = true, Ranges = differing, Keys = _store.InRanges(differing) });
                }

                break;
            case MultiMasterMessageType.Repair:
                Merge(m.Keys);
                if (m.Reply)
                {
                    _messages.Add(new MultiMasterMessage(MultiMasterMessageType.Repair, Id, m.From) { Ranges = m.Ranges, Keys = _store.InRanges([.. m.Ranges]) });
                }

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
    }

    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => _store.Contents();

    /// <summary>Merges a peer's versions of some keys into this replica's.</summary>
    private void Merge(IReadOnlyList<KeyVersions> keys)
    {
        foreach (var (key, theirs) in keys)
        {
            if (theirs.Length == 0)
            {
                continue;
            }

            _lamport = Math.Max(_lamport, theirs.Max(v => v.Timestamp));
            _store.Set(key, SiblingSets.Merge(key, _store.Get(key), theirs, _resolver, How));
        }
    }

    /// <summary>Sends a peer the keys changed since what it acknowledged, one batch at a time, again when unanswered.</summary>
    private void Push(Peer peer)
    {
        if (_store.LastChange <= peer.Acked || (peer.SentThrough > peer.Acked && _now - peer.SentAt < _options.ResendIntervalTicks))
        {
            return;
        }

        var (keys, through) = _store.Since(peer.Acked, _options.MaxBatchKeys);
        peer.SentThrough = through;
        peer.SentAt = _now;
        _messages.Add(new MultiMasterMessage(MultiMasterMessageType.Push, Id, peer.Id) { Incarnation = _incarnation, Seq = through, Keys = keys });
    }

    private Peer? PeerOf(NodeId id) => Array.Find(_peers, p => p.Id == id);

    private sealed class Peer(NodeId id)
    {
        public NodeId Id { get; } = id;

        /// <summary>The change number of this incarnation the peer acknowledged durable.</summary>
        public long Acked { get; set; }

        public long SentThrough { get; set; }

        public long SentAt { get; set; }
    }
}
