using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using UltimateReplication.Shared;

namespace UltimateReplication.Delta;

/// <summary>What a delta replica sent, counted since its start (<see cref="DeltaReplica.Traffic"/>).</summary>
internal sealed class DeltaTraffic
{
    /// <summary>Bytes of every message sent, as the codec encodes them.</summary>
    public long WireBytes { get; set; }

    /// <summary>Bytes of the push messages sent (the values' share of <see cref="WireBytes"/>).</summary>
    public long PushBytes { get; set; }

    /// <summary>Bytes the pushed versions' values have in full: what the pushes would carry without deltas.</summary>
    public long FullValueBytes { get; set; }

    /// <summary>Versions pushed as block deltas.</summary>
    public long Deltas { get; set; }

    /// <summary>Versions pushed in full.</summary>
    public long Fulls { get; set; }

    /// <summary>Block deltas received that did not fit (another base held here, or a result whose hash differed): the full value is asked for instead.</summary>
    public long Fallbacks { get; set; }

    public override string ToString() =>
        $"{WireBytes} bytes on the wire, {PushBytes} in pushes carrying {FullValueBytes} bytes of values; {Deltas} deltas, {Fulls} in full, {Fallbacks} fallbacks";
}

/// <summary>
/// One replica of <c>replication/delta</c> (see <see cref="DeltaStrategy"/>): applies its clients' writes, keeps per peer
/// the version of each key that peer acknowledged and sends it only the keys changed since, each as a block delta
/// against the acknowledged version (kept in a short chain of recent versions) or in full; anti-entropy by range hashes
/// exchanges versions only, and the values follow as deltas.
/// </summary>
internal sealed class DeltaReplica : IReplicaNode
{
    private readonly DeltaOptions _options;
    private readonly DeltaFlaw _flaw;
    private readonly IReplicaModel _model;
    private readonly VersionedStore _store;
    private readonly Dictionary<string, List<Cell>> _chains = new(StringComparer.Ordinal);
    private readonly Peer[] _peers;
    private readonly long _incarnation;
    private readonly ArrayBufferWriter<byte> _sizing = new();
    private List<IProtocolMessage> _messages = [];
    private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
    private long _clock;
    private long _now;
    private int _nextDigest;

    public DeltaReplica(ReplicaOptions options, DeltaOptions settings, DeltaFlaw flaw)
    {
        Id = options.Id;
        _options = settings;
        _flaw = flaw;
        _model = options.Model;
        _store = VersionedStore.Recover(options.Directory);
        _clock = _store.MaxCounter;
        _incarnation = options.Random.NextInt64(1, long.MaxValue);
        _peers = [.. options.Replicas.Where(r => r != Id).Order().Select(r => new Peer(r))];
        _nextDigest = options.Random.Next(Math.Max(1, _peers.Length));
    }

    public NodeId Id { get; }

    public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || _store.HasDirty;

    /// <summary>What this replica sent since it started.</summary>
    internal DeltaTraffic Traffic { get; } = new();

    public void Tick()
    {
        _now++;
        if (_now == 1)
        {
            // After a start nothing is known of the peers: compare with each (the versions found follow as deltas or in full).
            foreach (var peer in _peers)
            {
                SendDigest(peer);
            }
        }
        else if (_now % _options.AntiEntropyIntervalTicks == 0 && _peers.Length > 0)
        {
            SendDigest(_peers[_nextDigest++ % _peers.Length]);
        }

        foreach (var peer in _peers)
        {
            var resend = peer.InFlight != 0 && _now - peer.SentAt >= _options.ResendIntervalTicks;
            if ((resend || (peer.InFlight == 0 && _now % _options.PushIntervalTicks == 0)) && peer.Dirty.Count > 0)
            {
                Push(peer);
            }
        }
    }

    public SubmitResult Submit(long requestId, ReplicaCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var current = _store.Get(command.Key)?.Current;
        var outcome = _model.Apply(command, current);
        if (!command.ReadOnly && (command.Overwrites || !Values.Same(current, outcome.Value)))
        {
            Keep(command.Key, new Cell(new Stamp(++_clock, Id.Value), outcome.Value?.ToArray()), null);
        }

        _responses.Add(new(requestId, outcome.Response));
        return SubmitResult.Ok;
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not DeltaMessage m || m.To != Id || PeerOf(m.From) is not { } peer)
        {
            return;
        }

        switch (m.Type)
        {
            case DeltaMessageType.Push:
                var held = new List<KeyValuePair<string, Stamp>>(m.Entries.Count);
                foreach (var e in m.Entries)
                {
                    held.Add(new(e.Key, Receive(e, peer)));
                }

                _clock = Math.Max(_clock, _store.MaxCounter);

                // Sent once this batch's files are durable: what is acknowledged is what is held.
                _messages.Add(new DeltaMessage(DeltaMessageType.Ack, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq, Stamps = held });
                break;
            case DeltaMessageType.Ack when m.Incarnation == _incarnation && m.Seq == peer.InFlight:
                peer.InFlight = 0;
                foreach (var (key, stamp) in m.Stamps)
                {
                    peer.Known[key] = stamp;
                    if (_store.Get(key) is not { } mine || mine.Stamp <= stamp)
                    {
                        peer.Dirty.Remove(key);
                    }
                }

                break;
            case DeltaMessageType.Digest:
                var differing = _store.DifferingRanges(m.Hashes);
                if (differing.Count > 0)
                {
                    _messages.Add(new DeltaMessage(DeltaMessageType.Versions, Id, m.From) { Reply = true, Ranges = differing, Stamps = StampsIn(differing) });
                }

                break;
            case DeltaMessageType.Versions:
                var theirs = m.Stamps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
                foreach (var (key, cell) in _store.InRanges(m.Ranges))
                {
                    var stamp = theirs.GetValueOrDefault(key);
                    peer.Known[key] = stamp;
                    if (cell.Stamp > stamp)
                    {
                        peer.Dirty.Add(key);
                    }
                }

                if (m.Reply)
                {
                    _messages.Add(new DeltaMessage(DeltaMessageType.Versions, Id, m.From) { Ranges = m.Ranges, Stamps = StampsIn(m.Ranges) });
                }

                break;
        }
    }

    public ReplicaReady GetReady()
    {
        var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        _store.CollectWrites(writes);
        foreach (var message in _messages)
        {
            _sizing.Clear();
            DeltaCodec.Instance.Encode(message, _sizing);
            Traffic.WireBytes += _sizing.WrittenCount;
            if (message is DeltaMessage { Type: DeltaMessageType.Push })
            {
                Traffic.PushBytes += _sizing.WrittenCount;
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
    }

    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => _store.Contents();

    /// <summary>Takes a pushed version (rebuilt from its delta, or in full); returns the version held afterwards (none: send it in full).</summary>
    private Stamp Receive(DeltaEntry e, Peer from)
    {
        var current = _store.Get(e.Key);
        if (current is { } c && c.Stamp >= e.Stamp)
        {
            return c.Stamp;
        }

        if (!e.IsDelta)
        {
            Keep(e.Key, new Cell(e.Stamp, e.Bytes), from);
            return e.Stamp;
        }

        var baseOk = _flaw == DeltaFlaw.WrongBase || current?.Stamp == e.Base;
        if (baseOk && current?.Value is { } baseValue && BlockDelta.Apply(baseValue, e.Bytes) is { } value
            && (_flaw == DeltaFlaw.WrongBase || BlockDelta.Hash(value) == e.Hash))
        {
            Keep(e.Key, new Cell(e.Stamp, value), from);
            return e.Stamp;
        }

        // Not the base the sender thought, or a result that is not the value: the version held (if it is the sender's
        // base, the delta itself was bad, so nothing: the full value comes next).
        Traffic.Fallbacks++;
        return current is { } held && held.Stamp != e.Base ? held.Stamp : default;
    }

    /// <summary>Keeps a newer version of a key, in its chain, and marks it to send to every peer that has not acknowledged it.</summary>
    private void Keep(string key, Cell cell, Peer? from)
    {
        if (!_store.Offer(key, cell))
        {
            return;
        }

        if (!_chains.TryGetValue(key, out var chain))
        {
            _chains[key] = chain = [];
        }

        chain.Add(cell);
        if (chain.Count > _options.ChainVersions)
        {
            chain.RemoveAt(0);
        }

        if (from is not null)
        {
            from.Known[key] = cell.Stamp; // it held this version when it sent it
        }

        foreach (var peer in _peers)
        {
            if (!peer.Known.TryGetValue(key, out var known) || known < cell.Stamp)
            {
                peer.Dirty.Add(key);
            }
        }
    }

    /// <summary>Sends the peer the next batch of its changed keys: each as a delta against the version it acknowledged, or in full.</summary>
    private void Push(Peer peer)
    {
        var entries = new List<DeltaEntry>();
        foreach (var key in peer.Dirty.Take(_options.MaxBatchKeys))
        {
            entries.Add(Entry(key, _store.Get(key)!.Value, peer.Known.TryGetValue(key, out var known) ? known : null));
        }

        peer.InFlight = ++peer.NextSeq;
        peer.SentAt = _now;
        _messages.Add(new DeltaMessage(DeltaMessageType.Push, Id, peer.Id) { Incarnation = _incarnation, Seq = peer.InFlight, Entries = entries });
    }

    private DeltaEntry Entry(string key, Cell cell, Stamp? known)
    {
        Traffic.FullValueBytes += cell.Value?.Length ?? 0;
        if (cell.Value is { } value && value.Length >= _options.MinDeltaBytes && known is { } b && BaseOf(key, b) is { } baseValue)
        {
            var delta = BlockDelta.Compute(baseValue, value, _options.BlockBytes);
            if (delta.Length < value.Length || _options.MinDeltaBytes == 0)
            {
                Traffic.Deltas++;
                return new DeltaEntry(key, cell.Stamp, true, b, BlockDelta.Hash(value), delta);
            }
        }

        Traffic.Fulls++;
        return new DeltaEntry(key, cell.Stamp, false, default, 0, cell.Value);
    }

    /// <summary>The value of the key's version <paramref name="stamp"/>, when this replica still has it (current, or in the chain).</summary>
    private byte[]? BaseOf(string key, Stamp stamp)
    {
        if (_store.Get(key) is { } current && current.Stamp == stamp)
        {
            return current.Value;
        }

        return _chains.TryGetValue(key, out var chain) ? chain.Find(c => c.Stamp == stamp).Value : null;
    }

    private KeyValuePair<string, Stamp>[] StampsIn(IReadOnlyCollection<int> ranges) =>
        [.. _store.InRanges(ranges).Select(p => new KeyValuePair<string, Stamp>(p.Key, p.Value.Stamp))];

    private void SendDigest(Peer peer) =>
        _messages.Add(new DeltaMessage(DeltaMessageType.Digest, Id, peer.Id) { Hashes = _store.RangeHashes() });

    private Peer? PeerOf(NodeId id) => Array.Find(_peers, p => p.Id == id);

    private sealed class Peer(NodeId id)
    {
        public NodeId Id { get; } = id;

        /// <summary>The version of each key the peer acknowledged holding (or sent, or reported by anti-entropy; default: none).</summary>
        public Dictionary<string, Stamp> Known { get; } = new(StringComparer.Ordinal);

        /// <summary>Keys changed here since the version the peer is known to hold.</summary>
        public SortedSet<string> Dirty { get; } = new(StringComparer.Ordinal);

        /// <summary>The push awaiting its acknowledgement (0: none).</summary>
        public long InFlight { get; set; }

        public long NextSeq { get; set; }

        public long SentAt { get; set; }
    }
}
