using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using UltimateReplication.Shared;

using RealTimeMessage = UltimateReplication.Shared.GossipMessage<UltimateReplication.RealTime.RealTimeMessageType>;

namespace UltimateReplication.RealTime;

/// <summary>A peer went over the lag budget and degraded to catch-up (<see cref="RealTimeReplica.BudgetEvents"/>).</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Tick">The replica's tick when it happened.</param>
/// <param name="LagTicks">How long the oldest unacknowledged push had waited.</param>
/// <param name="Pending">How many pushes were unacknowledged (they are carried by the catch-up instead).</param>
internal readonly record struct LagBudgetExceeded(NodeId Peer, long Tick, long LagTicks, int Pending);

/// <summary>
/// One replica of <c>replication/real-time</c> (see <see cref="RealTimeStrategy"/>): applies its clients' writes, pushes
/// each one to every peer at once and measures the lag to each acknowledgement; a peer that goes over the budget (or
/// restarts, or is met at this replica's start) is brought up to date by a catch-up round of range hashes instead.
/// </summary>
internal sealed class RealTimeReplica : IReplicaNode, IMeasuredReplica
{
    private const int MaxEvents = 1024;
    private readonly RealTimeOptions _options;
    private readonly RealTimeFlaw _flaw;
    private readonly IReplicaModel _model;
    private readonly VersionedStore _store;
    private readonly Peer[] _peers;
    private readonly long _incarnation;
    private readonly List<LagBudgetExceeded> _events = [];
    private List<IProtocolMessage> _messages = [];
    private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
    private long _clock;
    private long _now;
    private int _nextDigest;

    public RealTimeReplica(ReplicaOptions options, RealTimeOptions settings, RealTimeFlaw flaw)
    {
        Id = options.Id;
        _options = settings;
        _flaw = flaw;
        _model = options.Model;
        _store = VersionedStore.Recover(options.Directory);
        _clock = _store.MaxCounter;
        _incarnation = options.Random.NextInt64(1, long.MaxValue);

        // At every start each peer is caught up first: pushes from before a crash are forgotten, their writes are not.
        _peers = [.. options.Replicas.Where(r => r != Id).Order().Select(r => new Peer(r))];
        _nextDigest = options.Random.Next(Math.Max(1, _peers.Length));
    }

    public NodeId Id { get; }

    public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || _store.HasDirty;

    /// <summary>The lag of every push acknowledged since this start, in ticks from the write to the acknowledgement.</summary>
    internal LagHistogram Lag { get; } = new();

    /// <summary>The push lag for the verifier (<c>push-lag-ticks</c>): the distribution the strategy's lag budget is stated in.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<long, long>> Measurements =>
        new Dictionary<string, IReadOnlyDictionary<long, long>>(StringComparer.Ordinal) { ["push-lag-ticks"] = Lag.Buckets.ToDictionary() };

    /// <summary>Every time a peer went over the budget since this start (the last 1,024): the replica's output for a message bus.</summary>
    internal IReadOnlyList<LagBudgetExceeded> BudgetEvents => _events;

    /// <summary>The peers in catch-up now.</summary>
    internal IReadOnlyList<NodeId> CatchingUp => [.. _peers.Where(p => p.CatchingUp).Select(p => p.Id)];

    public void Tick()
    {
        _now++;
        foreach (var peer in _peers)
        {
            if (!peer.CatchingUp && peer.Pending.Count > 0)
            {
                var oldest = peer.Pending.Values.Min(p => p.Written);
                if (_now - oldest > _options.LagBudgetTicks)
                {
                    OverBudget(peer, _now - oldest);
                }
                else
                {
                    foreach (var (seq, push) in peer.Pending)
                    {
                        if (_now - push.SentAt >= _options.ResendIntervalTicks)
                        {
                            push.SentAt = _now;
                            Send(peer, seq, push);
                        }
                    }
                }
            }

            if (peer.CatchingUp && _now - peer.RoundSentAt >= _options.ResendIntervalTicks)
            {
                // A new round each time: its reply must reflect what this replica holds now.
                peer.Round++;
                peer.RoundSentAt = _now;
                peer.ClockAtRound = _clock;
                _messages.Add(new RealTimeMessage(RealTimeMessageType.Digest, Id, peer.Id) { Incarnation = _incarnation, Seq = peer.Round, Hashes = _store.RangeHashes() });
            }
        }

        if (_options.AntiEntropyIntervalTicks > 0 && _now % _options.AntiEntropyIntervalTicks == 0 && _peers.Length > 0)
        {
            var peer = _peers[_nextDigest++ % _peers.Length];
            _messages.Add(new RealTimeMessage(RealTimeMessageType.Digest, Id, peer.Id) { Incarnation = _incarnation, Hashes = _store.RangeHashes() });
        }
    }

    public SubmitResult Submit(long requestId, ReplicaCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var current = _store.Get(command.Key)?.Current;
        var outcome = _model.Apply(command, current);
        if (!command.ReadOnly && (command.Overwrites || !Values.Same(current, outcome.Value)))
        {
            var cell = new Cell(new Stamp(++_clock, Id.Value), outcome.Value?.ToArray());
            _store.Offer(command.Key, cell);
            foreach (var peer in _peers.Where(p => !p.CatchingUp))
            {
                Push(peer, command.Key, cell);
            }
        }

        // Answered in this batch, after the key's file is durable and with the pushes (the runtime writes, sends, then answers).
        _responses.Add(new(requestId, outcome.Response));
        return SubmitResult.Ok;
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not RealTimeMessage m || m.To != Id)
        {
            return;
        }

        var peer = Array.Find(_peers, p => p.Id == m.From);
        var mine = m.Incarnation == _incarnation && peer is not null;
        switch (m.Type)
        {
            case RealTimeMessageType.Push:
                Merge(m.Cells);
                _messages.Add(new RealTimeMessage(RealTimeMessageType.PushAck, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq });
                break;
            case RealTimeMessageType.PushAck when mine && peer!.Pending.Remove(m.Seq, out var push):
                Lag.Record(_now - push.Written);
                break;
            case RealTimeMessageType.Digest:
                var differing = _store.DifferingRanges(m.Hashes);
                if (differing.Count > 0 || m.Seq != 0)
                {
                    _messages.Add(new RealTimeMessage(RealTimeMessageType.DigestReply, Id, m.From)
                    {
                        Incarnation = m.Incarnation, Seq = m.Seq, Ranges = differing, Cells = _store.InRanges(differing),
                    });
                }

                break;
            case RealTimeMessageType.DigestReply:
                var theirs = Merge(m.Cells);
                var newer = _store.NewerIn(m.Ranges, theirs);
                var round = mine && peer!.CatchingUp && m.Seq == peer.Round && m.Seq != 0;
                if (round && m.Ranges.Count == 0)
                {
                    CaughtUp(peer!);
                }
                else if (round || newer.Count > 0)
                {
                    _messages.Add(new RealTimeMessage(RealTimeMessageType.Entries, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq, Cells = newer });
                }

                break;
            case RealTimeMessageType.Entries:
                Merge(m.Cells);
                if (m.Seq != 0)
                {
                    _messages.Add(new RealTimeMessage(RealTimeMessageType.EntriesAck, Id, m.From) { Incarnation = m.Incarnation, Seq = m.Seq });
                }

                break;
            case RealTimeMessageType.EntriesAck when mine && peer!.CatchingUp && m.Seq == peer.Round:
                CaughtUp(peer);
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

    public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => _store.Contents();

    private Dictionary<string, Stamp> Merge(IReadOnlyList<KeyValuePair<string, Cell>> cells)
    {
        var stamps = _store.OfferAll(cells);
        _clock = Math.Max(_clock, _store.MaxCounter);
        return stamps;
    }

    private void Push(Peer peer, string key, Cell cell)
    {
        var seq = ++peer.NextSeq;
        var push = new PendingPush(key, cell, _now) { SentAt = _now };
        peer.Pending[seq] = push;
        Send(peer, seq, push);
        if (peer.Pending.Count > _options.MaxPendingPushes)
        {
            OverBudget(peer, _now - peer.Pending.Values.Min(p => p.Written));
        }
    }

    private void Send(Peer peer, long seq, PendingPush push) =>
        _messages.Add(new RealTimeMessage(RealTimeMessageType.Push, Id, peer.Id) { Incarnation = _incarnation, Seq = seq, Cells = [new(push.Key, push.Cell)] });

    /// <summary>The peer is over the budget: its pushes are forgotten and a catch-up round brings it up to date.</summary>
    private void OverBudget(Peer peer, long lag)
    {
        if (_events.Count == MaxEvents)
        {
            _events.RemoveAt(0);
        }

        _events.Add(new LagBudgetExceeded(peer.Id, _now, lag, peer.Pending.Count));
        peer.Pending.Clear();
        if (_flaw == RealTimeFlaw.DropOverBudget)
        {
            return; // the bug: the forgotten writes are never sent, and the peer stays in real time
        }

        peer.CatchingUp = true;
        peer.RoundSentAt = long.MinValue / 2;
    }

    /// <summary>
    /// The peer holds everything this replica held when the round's digest left: back to a push per write, starting
    /// with the writes since (a counter above the clock of then).
    /// </summary>
    private void CaughtUp(Peer peer)
    {
        peer.CatchingUp = false;
        foreach (var (key, cell) in _store.Since(peer.ClockAtRound))
        {
            Push(peer, key, cell);
        }
    }

    private sealed record PendingPush(string Key, Cell Cell, long Written)
    {
        public long SentAt { get; set; }
    }

    private sealed class Peer(NodeId id)
    {
        public NodeId Id { get; } = id;

        public bool CatchingUp { get; set; } = true;

        public SortedDictionary<long, PendingPush> Pending { get; } = [];

        public long NextSeq { get; set; }

        public long Round { get; set; }

        public long RoundSentAt { get; set; } = long.MinValue / 2;

        public long ClockAtRound { get; set; }
    }
}
