using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Replication;
using UltimateReplication.Shared;
using CrdtMessage = UltimateReplication.Shared.GossipMessage<UltimateReplication.Crdt.CrdtMessageType>;

namespace UltimateReplication.Crdt;

/// <summary>
/// One replica of <c>replication/crdt</c> (see <see cref="CrdtStrategy"/>): every key's value is a state of one CRDT type;
/// a write is the type's delta mutator, its delta kept in a numbered buffer; each neighbour gets the delta interval after
/// what it acknowledged (joined per key), or, when those deltas are gone, the full states of the key ranges whose digests
/// differ. Deltas received that inflate the state join the buffer, so they travel on.
/// </summary>
internal sealed class CrdtReplica : IReplicaNode
{
    private static readonly Stamp NoStamp = default;
    private readonly CrdtOptions _options;
    private readonly CrdtFlaw _flaw;
    private readonly ICrdtType _type;
    private readonly IReplicaModel _model;
    private readonly VersionedStore _store;
    private readonly SortedDictionary<long, (string Key, byte[] Delta)> _deltas = [];
    private readonly Neighbour[] _neighbours;
    private readonly long _incarnation;
    private List<IProtocolMessage> _messages = [];
    private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
    private long _seq;
    private long _now;
    private int _nextDigest;

    public CrdtReplica(ReplicaOptions options, CrdtOptions settings, ICrdtType type, CrdtFlaw flaw)
    {
        Id = options.Id;
        _options = settings;
        _type = type;
        _flaw = flaw;
        _model = options.Model;
        _store = VersionedStore.Recover(options.Directory);
        _incarnation = options.Random.NextInt64(1, long.MaxValue);
        _neighbours = [.. options.Replicas.Where(r => r != Id).Order().Select(r => new Neighbour(r))];
        _nextDigest = options.Random.Next(Math.Max(1, _neighbours.Length));

        // The deltas of before a restart are gone: a replica that holds anything starts at delta 1, which it does not
        // buffer, so every neighbour gets the full-state exchange first.
        _seq = _store.Count > 0 ? 1 : 0;
    }

    public NodeId Id { get; }

    public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || _store.HasDirty;

    /// <summary>Deltas held for neighbours (for tests).</summary>
    internal int BufferedDeltas => _deltas.Count;

    /// <summary>Delta intervals and full-state exchanges sent since the start (for tests).</summary>
    internal (long Intervals, long FullStates) Sent { get; private set; }

    public void Tick()
    {
        _now++;
        foreach (var n in _neighbours)
        {
            var due = n.InFlight == 0 ? _now % _options.GossipIntervalTicks == 0 : _now - n.SentAt >= _options.ResendIntervalTicks;
            if (due && n.Acked < _seq)
            {
                Gossip(n);
            }
        }

        if (_options.AntiEntropyIntervalTicks > 0 && _now % _options.AntiEntropyIntervalTicks == 0 && _neighbours.Length > 0)
        {
            var n = _neighbours[_nextDigest++ % _neighbours.Length];
            _messages.Add(new CrdtMessage(CrdtMessageType.Digest, Id, n.Id) { Incarnation = _incarnation, Hashes = _store.RangeHashes() });
        }

        // Deltas every neighbour acknowledged are no longer needed.
        var everyone = _neighbours.Length == 0 ? _seq : _neighbours.Min(n => n.Acked);
        while (_deltas.Count > 0 && _deltas.First().Key <= everyone)
        {
            _deltas.Remove(_deltas.First().Key);
        }
    }

    public SubmitResult Submit(long requestId, ReplicaCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var state = _store.Get(command.Key)?.Value;
        ReadOnlyMemory<byte>? current = state is null ? null : Encoding.UTF8.GetBytes(_type.Read(state));
        var outcome = _model.Apply(command, current);
        if (!command.ReadOnly && (command.Overwrites || !Values.Same(current, outcome.Value)))
        {
            if (outcome.Value is not { } value)
            {
                return SubmitResult.Refused("replication/crdt cannot delete a key: a CRDT state only grows (write the type's remove operation instead)");
            }

            CrdtUpdate update;
            try
            {
                update = _type.Update(state ?? _type.Empty(), Id, _options.Operation.Replace("{value}", Encoding.UTF8.GetString(value.Span), StringComparison.Ordinal));
            }
            catch (FormatException e)
            {
                return SubmitResult.Refused($"{_options.Type}: {e.Message}");
            }

            _store.Replace(command.Key, new Cell(NoStamp, update.State));
            Buffer(command.Key, update.Delta);
        }

        // Answered in this batch, after the key's state is durable.
        _responses.Add(new(requestId, outcome.Response));
        return SubmitResult.Ok;
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not CrdtMessage m || m.To != Id || Array.Find(_neighbours, n => n.Id == m.From) is not { } from)
        {
            return;
        }

        var mine = m.Incarnation == _incarnation;
        switch (m.Type)
        {
            case CrdtMessageType.Delta:
                foreach (var (key, delta) in m.Cells)
                {
                    var state = _store.Get(key)?.Value ?? _type.Empty();
                    var merged = _type.MergeDelta(state, delta.Value);
                    if (!merged.AsSpan().SequenceEqual(state))
                    {
                        _store.Replace(key, new Cell(NoStamp, merged));
                        Buffer(key, delta.Value!);
                    }
                }

                // Sent once the merged states are durable.
                _messages.Add(new CrdtMessage(CrdtMessageType.Ack, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq });
                break;
            case CrdtMessageType.Ack when mine:
                from.Acked = Math.Max(from.Acked, m.Seq);
                if (m.Seq >= from.InFlight)
                {
                    from.InFlight = 0;
                }

                break;
            case CrdtMessageType.Digest:
                var differing = _store.DifferingRanges(m.Hashes);
                if (differing.Count == 0 && m.Seq != 0)
                {
                    _messages.Add(new CrdtMessage(CrdtMessageType.Ack, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq });
                }
                else if (differing.Count > 0)
                {
                    _messages.Add(new CrdtMessage(CrdtMessageType.StateRequest, Id, m.From)
                    {
                        Incarnation = m.Incarnation, Seq = m.Seq, Ranges = differing, Cells = _store.InRanges(differing),
                    });
                }

                break;
            case CrdtMessageType.StateRequest when mine:
                MergeStates(m.Cells);
                _messages.Add(new CrdtMessage(CrdtMessageType.States, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq, Cells = _store.InRanges(m.Ranges) });
                break;
            case CrdtMessageType.States:
                MergeStates(m.Cells);
                if (m.Seq != 0)
                {
                    _messages.Add(new CrdtMessage(CrdtMessageType.Ack, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq });
                }

                break;
        }
    }

    public ReplicaReady GetReady()
    {
        var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        _store.CollectWrites(writes);
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

    /// <summary>Each key's value as the type reads it (one version per key, attributed to this replica).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents()
    {
        var contents = new Dictionary<string, IReadOnlyList<VersionedValue>>(StringComparer.Ordinal);
        foreach (var (key, cell) in _store.All())
        {
            contents[key] = [new VersionedValue(Id, Encoding.UTF8.GetBytes(_type.Read(cell.Value)), 0, VersionVector.Empty)];
        }

        return contents;
    }

    /// <summary>The value a reader sees of a key, as the type reads it; null when absent (for tests).</summary>
    internal string? Read(string key) => _store.Get(key)?.Value is { } state ? _type.Read(state) : null;

    private void Buffer(string key, byte[] delta)
    {
        _deltas[++_seq] = (key, delta);
        if (_deltas.Count > _options.MaxDeltas)
        {
            _deltas.Remove(_deltas.First().Key); // a neighbour that still needed it gets full states instead
        }
    }

    /// <summary>
    /// Sends the neighbour the deltas after what it acknowledged, joined per key into one interval, when the buffer still
    /// holds them all; otherwise the full-state fallback, starting with the digests.
    /// </summary>
    private void Gossip(Neighbour n)
    {
        n.InFlight = _seq;
        n.SentAt = _now;
        var complete = _deltas.Count > 0 && _deltas.First().Key <= n.Acked + 1;
        if (complete || _flaw == CrdtFlaw.NoFallback)
        {
            var groups = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (seq, (key, delta)) in _deltas)
            {
                if (seq > n.Acked)
                {
                    groups[key] = groups.TryGetValue(key, out var group) ? _type.MergeDeltas(group, delta) : delta;
                }
            }

            // The bug variant sends what is left of the interval as if it were all of it (a gap the neighbour never fills).
            _messages.Add(new CrdtMessage(CrdtMessageType.Delta, Id, n.Id)
            {
                Incarnation = _incarnation, Seq = _seq, Cells = [.. groups.Select(g => new KeyValuePair<string, Cell>(g.Key, new Cell(NoStamp, g.Value)))],
            });
            Sent = Sent with { Intervals = Sent.Intervals + 1 };
            return;
        }

        _messages.Add(new CrdtMessage(CrdtMessageType.Digest, Id, n.Id) { Incarnation = _incarnation, Seq = _seq, Hashes = _store.RangeHashes() });
        Sent = Sent with { FullStates = Sent.FullStates + 1 };
    }

    private void MergeStates(IReadOnlyList<KeyValuePair<string, Cell>> states)
    {
        foreach (var (key, theirs) in states)
        {
            var state = _store.Get(key)?.Value;
            var merged = state is null || _flaw == CrdtFlaw.OverwriteStates ? theirs.Value! : _type.Merge(state, theirs.Value);
            if (state is null || !merged.AsSpan().SequenceEqual(state))
            {
                _store.Replace(key, new Cell(NoStamp, merged));
            }
        }
    }

    private sealed class Neighbour(NodeId id)
    {
        public NodeId Id { get; } = id;

        /// <summary>The delta number of this incarnation the neighbour acknowledged having merged (0: nothing).</summary>
        public long Acked { get; set; }

        /// <summary>The delta number the interval or exchange in flight covers (0: none in flight).</summary>
        public long InFlight { get; set; }

        public long SentAt { get; set; }
    }
}
