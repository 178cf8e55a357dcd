using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace UltimateConsensus.Pbft;

/// <summary>
/// One PBFT replica (Castro and Liskov, OSDI 1999; the MAC-based view change of TOCS 2002) as a pure state machine over
/// the Ready contract. n = 3f+1 voters; the primary of view v is voter v mod n.
/// <para>
/// Normal case: a client request reaches a replica through <see cref="Propose"/> (the simulator's and a gateway's
/// clients send it to every replica). The primary batches requests into a pre-prepare with the next sequence number
/// within the watermarks; a backup accepts it (same view, in the window, no other digest accepted at that view and
/// number) and multicasts a prepare; 2f prepares from backups matching the pre-prepare make a prepared certificate and
/// a commit; 2f+1 matching commits commit the batch, which executes once every lower number has. A request carries its
/// client id and timestamp (the SDK's <see cref="ClientRequestHeader"/>), and a
/// request whose timestamp is not above the last executed one of its client is not executed again.
/// </para>
/// <para>
/// Execution appends to the log, per batch, one <see cref="EntryKind.Command"/> entry per executed request and a
/// <see cref="EntryKind.Noop"/> marker (sequence number and batch digest); a chain hash over the entries is the state
/// digest of checkpoints, taken every K sequence numbers; 2f+1 matching checkpoints make one stable, the low watermark,
/// below which slots, certificates and checkpoint votes are dropped. A replica that is behind fetches executed entries
/// from the others and keeps those f+1 of them vouch for (the same chain hash at a marker), asking for the next entries
/// as soon as a reply brought it forward (not at the next retransmission), so that it gains on a cluster that keeps going.
/// </para>
/// <para>
/// Persisted (the hard state, synced before any message that depends on it): the view and the view being changed to,
/// the stable checkpoint and the own checkpoints above it, the prepared certificates (P) and the accepted pre-prepares
/// (Q) with their batches — so that a replica that crashes and restarts never sends a prepare, commit or pre-prepare that
/// contradicts one it sent before (which would make an honest crash a Byzantine fault), nor reports less in a view
/// change than it had. The executed log is the durable log; the log is not compacted (<see cref="Compact"/> keeps it,
/// since catching a replica up serves entries from it).
/// </para>
/// </summary>
internal sealed class PbftNode : IConsensusNode
{
    private const byte MarkerMagic = 0x50; // 'P'
    private const byte HardStateVersion = 1;

    private readonly NodeId _id;
    private readonly Membership _membership;
    private readonly NodeId[] _voters;
    private readonly int _f;
    private readonly int _quorum;
    private readonly int _prepareQuorum;
    private readonly PbftOptions _options;
    private readonly ILinkKeys? _keys;
    private readonly PbftFlaw _flaw;
    private readonly CheckpointClaim _genesis;

    // Execution.
    private readonly List<LogEntry> _log = [];
    private readonly Dictionary<long, long> _clientTimestamps = [];
    private Digest _chain;
    private long _lastExecutedSeq;

    // Agreement.
    private readonly SortedDictionary<long, Slot> _slots = [];
    private readonly SortedDictionary<long, PreparedClaim> _prepared = [];
    private readonly SortedDictionary<long, Dictionary<Digest, (long View, Batch Batch)>> _prePrepared = [];
    private long _view;
    private long _target;
    private long _nextSeq;

    // Checkpoints.
    private CheckpointClaim _stable;
    private readonly SortedDictionary<long, CheckpointClaim> _ownCheckpoints = [];
    private readonly SortedDictionary<long, Dictionary<NodeId, CheckpointClaim>> _checkpointVotes = [];

    // View changes.
    private readonly Dictionary<long, Dictionary<NodeId, (ViewChange Message, Digest Digest)>> _viewChanges = [];
    private readonly Dictionary<long, NewView> _pendingNewViews = [];
    private readonly Dictionary<long, Dictionary<NodeId, Dictionary<NodeId, Digest>>> _acks = []; // view -> sender -> acker -> digest
    private ViewChange? _ownViewChange;
    private NewView? _ownNewView;
    private int _backoff;

    // Requests known and not executed, in arrival order.
    private readonly List<(Digest Id, byte[] Request)> _pending = [];
    private readonly HashSet<Digest> _pendingIds = [];
    private readonly HashSet<Digest> _assigned = [];

    // Catching up.
    private readonly Dictionary<(long Index, Digest Chain), HashSet<NodeId>> _vouches = [];
    private readonly Dictionary<NodeId, IReadOnlyList<LogEntry>> _fetched = [];
    private long _fetchedFor = -1;

    // Timers.
    private int _viewTimer;
    private int _retransmitTimer;
    private long _progressMark = -1;
    private long _idleFetch;

    // Output.
    private List<IProtocolMessage> _messages = [];
    private List<LogEntry> _entries = [];
    private List<LogEntry> _apply = [];
    private bool _dirty;

    public PbftNode(NodeId id, Membership membership, RecoveredState recovered, PbftOptions options, ILinkKeys? keys, PbftFlaw flaw)
    {
        _id = id;
        _membership = membership;
        _voters = [.. membership.Voters];
        _f = QuorumRule.Byzantine.FaultsTolerated(_voters.Length);
        _quorum = QuorumRule.Byzantine.Size(_voters.Length);
        _prepareQuorum = _quorum - 1;
        if (flaw.HasFlag(PbftFlaw.QuorumOfTwoF))
        {
            _quorum = 2 * _f;
            _prepareQuorum = _quorum - 1;
        }

        _options = options;
        _keys = keys;
        _flaw = flaw;
        _chain = Digest.Of("pbft-genesis"u8);
        _genesis = new CheckpointClaim(0, 0, _chain);
        _stable = _genesis;
        Recover(recovered);
    }

    public NodeId Id => _id;

    public ConsensusStatus Status => new(
        _id,
        _target > _view ? ConsensusRole.ViewChange : Primary(_view) == _id ? ConsensusRole.Leader : ConsensusRole.Follower,
        _view,
        _target > _view ? NodeId.None : Primary(_view),
        _log.Count,
        _log.Count,
        _log.Count,
        _membership);

    public bool HasReady => _messages.Count > 0 || _entries.Count > 0 || _apply.Count > 0 || _dirty;

    private bool InViewChange => _target > _view;

    private NodeId Primary(long view) => _voters[(int)(view % _voters.Length)];

    private bool IsPrimary => !InViewChange && Primary(_view) == _id;

    // ------------------------------------------------------------------ inputs

    public void Tick()
    {
        if (++_retransmitTimer >= _options.RetransmitTicks)
        {
            _retransmitTimer = 0;
            Retransmit();
        }

        if (InViewChange)
        {
            // As in the paper: the timer for the next view runs only once 2f+1 replicas want this one, so a replica that
            // is ahead waits for the others instead of running further ahead.
            var wanting = _viewChanges.Where(e => e.Key >= _target).SelectMany(e => e.Value.Keys)
                .Concat(_pendingNewViews.Where(e => e.Key >= _target).Select(e => e.Value.From)).Distinct().Count();
            if (wanting < QuorumRule.Byzantine.Size(_voters.Length))
            {
                return;
            }

            if (++_viewTimer >= _options.ViewChangeTimeoutTicks << Math.Min(_backoff, 2))
            {
                _backoff++;
                StartViewChange(_target + 1);
            }

            return;
        }

        var waiting = _pending.Count > 0 || _slots.Values.Any(s => s.Seq > _lastExecutedSeq && s.Pp is not null && !s.Committed);
        if (!waiting || Primary(_view) == _id)
        {
            _viewTimer = 0;
            return;
        }

        if (++_viewTimer >= _options.ViewChangeTimeoutTicks << Math.Min(_backoff, 2))
        {
            _backoff++;
            StartViewChange(_view + 1);
        }
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        var request = command.ToArray();
        var id = Digest.Of(request);
        if (TryClient(request, out var client, out var ts) && _clientTimestamps.TryGetValue(client, out var last) && ts <= last)
        {
            return ProposeResult.Ok(0, _view); // executed already: the replies were given
        }

        if (_pendingIds.Add(id))
        {
            _pending.Add((id, request));
        }

        CutBatches();
        return ProposeResult.Ok(0, _view);
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not PbftMessage m || m.To != _id || m.From == _id || !_membership.IsVoter(m.From) || !Authentic(m))
        {
            return;
        }

        switch (m)
        {
            case PrePrepare p:
                OnPrePrepare(p);
                break;
            case Prepare p:
                OnPrepare(p);
                break;
            case Commit c:
                OnCommit(c);
                break;
            case Checkpoint c:
                OnCheckpoint(c);
                break;
            case ViewChange v:
                OnViewChange(v);
                break;
            case NewView nv:
                OnNewView(nv);
                break;
            case Fetch f:
                OnFetch(f);
                break;
            case FetchReply r:
                OnFetchReply(r);
                break;
            case ViewChangeAck a:
                OnViewChangeAck(a);
                break;
        }
    }

    public ProposeResult ProposeMembershipChange(MembershipChange change) => ProposeResult.Refused("pbft has a fixed membership");

    public bool ReadIndex(ReadOnlyMemory<byte> context) => false;

    public bool TransferLeadership(NodeId target) => false;

    /// <summary>Keeps the log: a replica catching up is served executed entries from it.</summary>
    public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData) => null;

    public Ready GetReady()
    {
        var ready = new Ready
        {
            HardState = _dirty ? EncodeHardState() : ReadOnlyMemory<byte>.Empty,
            Entries = _entries,
            CommittedEntries = _apply,
            Messages = _messages,
            MustSync = _dirty || _entries.Count > 0,
        };
        return ready;
    }

    public void Advance(Ready ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (ReferenceEquals(ready.Messages, _messages))
        {
            _messages = [];
        }

        if (ReferenceEquals(ready.Entries, _entries))
        {
            _entries = [];
        }

        if (ReferenceEquals(ready.CommittedEntries, _apply))
        {
            _apply = [];
        }

        if (!ready.HardState.IsEmpty)
        {
            _dirty = false;
        }
    }

    // ------------------------------------------------------------------ normal case

    private void CutBatches()
    {
        if (!IsPrimary)
        {
            return;
        }

        while (_nextSeq <= _stable.Seq + _options.Window && _nextSeq - 1 - _lastExecutedSeq < _options.MaxInflightBatches)
        {
            var requests = new List<byte[]>();
            foreach (var (id, request) in _pending)
            {
                if (requests.Count >= _options.MaxBatchRequests)
                {
                    break;
                }

                if (_assigned.Add(id))
                {
                    requests.Add(request);
                }
            }

            if (requests.Count == 0)
            {
                return;
            }

            var batch = new Batch(requests);
            var seq = _nextSeq++;
            var slot = SlotAt(seq);
            slot.Accept(_view, batch);
            AddPrePrepared(seq, _view, batch);
            Broadcast(to => new PrePrepare(_id, to, _view, seq, batch));
        }
    }

    private void OnPrePrepare(PrePrepare p)
    {
        if (InViewChange || p.View != _view || p.From != Primary(_view) || !InWindow(p.Seq) || p.Batch.IsNull)
        {
            return;
        }

        var slot = SlotAt(p.Seq);
        var d = p.Batch.Digest;
        if (slot.Pp is not null && slot.PpView == _view)
        {
            if (slot.Pp.Digest == d && slot.Committed == false)
            {
                // A retransmission: the primary did not see our prepare.
                Send(new Prepare(_id, p.From, _view, p.Seq, d));
            }

            return;
        }

        if (_prePrepared.TryGetValue(p.Seq, out var q) && q.Any(e => e.Value.View == _view && e.Key != d))
        {
            return; // accepted another digest at this view and number before a restart
        }

        AcceptPrePrepare(slot, p.Batch);
    }

    private void AcceptPrePrepare(Slot slot, Batch batch)
    {
        slot.Accept(_view, batch);
        AddPrePrepared(slot.Seq, _view, batch);
        foreach (var r in batch.Requests)
        {
            _assigned.Add(Digest.Of(r));
        }

        if (Primary(_view) != _id)
        {
            slot.Prepares[_id] = (_view, batch.Digest);
            Broadcast(to => new Prepare(_id, to, _view, slot.Seq, batch.Digest));
        }

        CheckPrepared(slot);
    }

    private void OnPrepare(Prepare p)
    {
        if (p.View < _view || !InWindow(p.Seq) || p.From == Primary(p.View))
        {
            return;
        }

        var slot = SlotAt(p.Seq);
        slot.Prepares[p.From] = (p.View, p.Digest);
        if (p.View == _view && !InViewChange)
        {
            CheckPrepared(slot);
        }
    }

    private void OnCommit(Commit c)
    {
        if (c.View < _view || !InWindow(c.Seq))
        {
            if (c.Seq <= _lastExecutedSeq && _slots.TryGetValue(c.Seq, out var done) && done.SentCommitView == c.View && done.Committed)
            {
                // The sender is behind on a batch we committed: our commit may have been lost.
                Send(new Commit(_id, c.From, c.View, c.Seq, c.Digest));
            }

            return;
        }

        var slot = SlotAt(c.Seq);
        slot.Commits[c.From] = (c.View, c.Digest);
        if (c.View == _view && !InViewChange)
        {
            CheckCommitted(slot);
        }
    }

    private void CheckPrepared(Slot slot)
    {
        if (slot.Pp is null || slot.PpView != _view)
        {
            return;
        }

        var d = slot.Pp.Digest;
        var primary = Primary(_view);
        var votes = slot.Prepares.Count(v => v.Key != primary && v.Value.View == _view && v.Value.D == d);
        if (votes < _prepareQuorum)
        {
            return;
        }

        if (slot.SentCommitView != _view)
        {
            slot.SentCommitView = _view;
            if (!_prepared.TryGetValue(slot.Seq, out var had) || had.View < _view)
            {
                _prepared[slot.Seq] = new PreparedClaim(slot.Seq, _view, slot.Pp);
                _dirty = true;
            }

            slot.Commits[_id] = (_view, d);
            Broadcast(to => new Commit(_id, to, _view, slot.Seq, d));
        }

        CheckCommitted(slot);
    }

    private void CheckCommitted(Slot slot)
    {
        if (slot.Committed || slot.Pp is null || slot.PpView != _view || slot.SentCommitView != _view)
        {
            return;
        }

        var d = slot.Pp.Digest;
        if (slot.Commits.Count(v => v.Value.View == _view && v.Value.D == d) < _quorum)
        {
            return;
        }

        slot.Committed = true;
        slot.CommittedBatch = slot.Pp;
        slot.CommittedView = _view;
        Execute();
    }

    private void Execute()
    {
        var progressed = false;
        while (_slots.TryGetValue(_lastExecutedSeq + 1, out var slot) && slot.Committed)
        {
            ExecuteBatch(slot.Seq, slot.CommittedView, slot.CommittedBatch!);
            progressed = true;
        }

        if (progressed)
        {
            _viewTimer = 0;
            _backoff = 0;
            CutBatches();
        }
    }

    private void ExecuteBatch(long seq, long view, Batch batch)
    {
        foreach (var request in batch.Requests)
        {
            var id = Digest.Of(request);
            if (_pendingIds.Remove(id))
            {
                _pending.RemoveAll(p => p.Id == id);
            }

            if (TryClient(request, out var client, out var ts))
            {
                if (_clientTimestamps.TryGetValue(client, out var last) && ts <= last)
                {
                    continue; // exactly once: executed before
                }

                _clientTimestamps[client] = ts;
                DropSuperseded(client, ts);
            }

            Append(new LogEntry(_log.Count + 1, view, EntryKind.Command, request));
        }

        var marker = new byte[41];
        marker[0] = MarkerMagic;
        BinaryPrimitives.WriteInt64LittleEndian(marker.AsSpan(1), seq);
        batch.Digest.Write(marker.AsSpan(9));
        Append(new LogEntry(_log.Count + 1, view, EntryKind.Noop, marker));
        _lastExecutedSeq = seq;
        if (seq % _options.CheckpointInterval == 0)
        {
            TakeCheckpoint();
        }
    }

    private void Append(LogEntry entry)
    {
        _log.Add(entry);
        _entries.Add(entry);
        _apply.Add(entry);
        _chain = ChainStep(_chain, entry);
    }

    private static Digest ChainStep(Digest chain, LogEntry entry)
    {
        var data = new byte[1 + entry.Data.Length];
        data[0] = (byte)entry.Kind;
        entry.Data.Span.CopyTo(data.AsSpan(1));
        return chain.Chain(data);
    }

    private void DropSuperseded(long client, long ts)
    {
        _pending.RemoveAll(p =>
        {
            var old = TryClient(p.Request, out var c, out var t) && c == client && t <= ts;
            if (old)
            {
                _pendingIds.Remove(p.Id);
            }

            return old;
        });
    }

    /// <summary>The client id and timestamp of a request (the SDK's <see cref="ClientRequestHeader"/>).</summary>
    internal static bool TryClient(ReadOnlySpan<byte> request, out long client, out long timestamp) =>
        ClientRequestHeader.TryRead(request, out client, out timestamp);

    // ------------------------------------------------------------------ checkpoints

    private void TakeCheckpoint()
    {
        var claim = new CheckpointClaim(_lastExecutedSeq, _log.Count, _chain);
        _ownCheckpoints[claim.Seq] = claim;
        _dirty = true;
        VotesAt(claim.Seq)[_id] = claim;
        Broadcast(to => new Checkpoint(_id, to, claim.Seq, claim.Index, claim.State));
        CheckStable(claim.Seq);
    }

    private void OnCheckpoint(Checkpoint c)
    {
        if (c.Seq <= _stable.Seq || c.Seq % _options.CheckpointInterval != 0)
        {
            return;
        }

        var votes = VotesAt(c.Seq);
        votes[c.From] = new CheckpointClaim(c.Seq, c.Index, c.State);

        // Bound what a faulty sender can make us keep: its checkpoint votes far above ours are dropped.
        if (_checkpointVotes.Count > 4 * _options.WatermarkCheckpoints + 4)
        {
            _checkpointVotes.Remove(_checkpointVotes.Keys.Last());
        }

        CheckStable(c.Seq);
    }

    private Dictionary<NodeId, CheckpointClaim> VotesAt(long seq)
    {
        if (!_checkpointVotes.TryGetValue(seq, out var votes))
        {
            _checkpointVotes[seq] = votes = [];
        }

        return votes;
    }

    private void CheckStable(long seq)
    {
        if (!_ownCheckpoints.TryGetValue(seq, out var own) || !_checkpointVotes.TryGetValue(seq, out var votes))
        {
            return;
        }

        if (votes.Values.Count(v => v == own) >= QuorumRule.Byzantine.Size(_voters.Length))
        {
            MakeStable(own);
        }
    }

    private void MakeStable(CheckpointClaim claim)
    {
        if (claim.Seq <= _stable.Seq)
        {
            return;
        }

        _stable = claim;
        _dirty = true;
        foreach (var key in _slots.Keys.Where(k => k <= claim.Seq).ToArray())
        {
            _slots.Remove(key);
        }

        foreach (var key in _prepared.Keys.Where(k => k <= claim.Seq).ToArray())
        {
            _prepared.Remove(key);
        }

        foreach (var key in _prePrepared.Keys.Where(k => k <= claim.Seq).ToArray())
        {
            _prePrepared.Remove(key);
        }

        foreach (var key in _ownCheckpoints.Keys.Where(k => k < claim.Seq).ToArray())
        {
            _ownCheckpoints.Remove(key);
        }

        foreach (var key in _checkpointVotes.Keys.Where(k => k <= claim.Seq).ToArray())
        {
            _checkpointVotes.Remove(key);
        }

        _nextSeq = Math.Max(_nextSeq, claim.Seq + 1);
        CutBatches();
    }

    private bool InWindow(long seq) => seq > _stable.Seq && seq <= _stable.Seq + _options.Window;

    // ------------------------------------------------------------------ view changes

    private void StartViewChange(long view)
    {
        if (view <= _target)
        {
            return;
        }

        _target = view;
        _viewTimer = 0;
        _ownNewView = null;
        _dirty = true;
        _ownViewChange = new ViewChange(
            _id, NodeId.None, view, _stable,
            [.. _ownCheckpoints.Values.Where(c => c.Seq > _stable.Seq)],
            [.. _prepared.Values.Where(p => p.Seq > _stable.Seq)],
            [.. _prePrepared.Where(q => q.Key > _stable.Seq).SelectMany(q => q.Value.Select(e => new PrePreparedClaim(q.Key, e.Value.View, e.Key)))]);
        Store(_ownViewChange);
        var own = _ownViewChange;
        Broadcast(to => own with { To = to });
        TryNewView();
        if (_pendingNewViews.TryGetValue(view, out var pending))
        {
            OnNewView(pending);
        }
    }

    private void Store(ViewChange v)
    {
        if (!_viewChanges.TryGetValue(v.View, out var byView))
        {
            _viewChanges[v.View] = byView = [];
        }

        var digest = DigestOf(v);
        var changed = !byView.TryGetValue(v.From, out var had) || had.Digest != digest;
        byView[v.From] = (v, digest);
        var primary = Primary(v.View);
        if (v.From != _id && primary != _id && primary != v.From && (changed || v.View > _view))
        {
            Send(new ViewChangeAck(_id, primary, v.View, v.From, digest));
        }
    }

    private void OnViewChangeAck(ViewChangeAck a)
    {
        if (a.View <= _view || a.View > _target + 64 || Primary(a.View) != _id || a.Sender == a.From || a.Sender == _id)
        {
            return;
        }

        if (!_acks.TryGetValue(a.View, out var bySender))
        {
            _acks[a.View] = bySender = [];
        }

        if (!bySender.TryGetValue(a.Sender, out var byAcker))
        {
            bySender[a.Sender] = byAcker = [];
        }

        byAcker[a.From] = a.Digest;
        if (a.View == _target)
        {
            TryNewView();
        }
    }

    /// <summary>
    /// A view change the new primary may decide from: its own, or one that 2f-1 other replicas acknowledged with the same
    /// digest and none with another (its sender did not equivocate to anyone who told us).
    /// </summary>
    private bool Certified(long view, NodeId sender, Digest digest)
    {
        if (sender == _id)
        {
            return true;
        }

        if (!_acks.TryGetValue(view, out var bySender) || !bySender.TryGetValue(sender, out var byAcker))
        {
            return false;
        }

        return byAcker.Values.All(d => d == digest) && byAcker.Count >= (2 * _f) - 1;
    }

    private static Digest DigestOf(ViewChange v) => Digest.Of(PbftCodec.Body(v with { To = NodeId.None, Mac = [] }));

    private void OnViewChange(ViewChange v)
    {
        if (v.View <= _view)
        {
            if (v.View == _view && !InViewChange && _ownNewView is { } nv)
            {
                Send(nv with { To = v.From }); // it missed the new view
            }

            return;
        }

        if (v.View > _target + 64)
        {
            return; // a faulty replica's far future: not stored
        }

        Store(v);

        // Join: f+1 replicas want a view above ours, so at least one honest one does.
        var above = _viewChanges.Where(e => e.Key > _target).SelectMany(e => e.Value.Keys.Select(s => (Sender: s, View: e.Key)))
            .GroupBy(x => x.Sender).Select(g => g.Min(x => x.View)).ToArray();
        if (above.Length >= _f + 1)
        {
            StartViewChange(above.Min());
        }

        if (v.View == _target)
        {
            TryNewView();
        }

        if (_pendingNewViews.TryGetValue(v.View, out var pending))
        {
            OnNewView(pending);
        }
    }

    private void TryNewView()
    {
        if (!InViewChange || Primary(_target) != _id || _ownNewView is not null || !_viewChanges.TryGetValue(_target, out var byView)
            || byView.Count < QuorumRule.Byzantine.Size(_voters.Length))
        {
            return;
        }

        var senders = byView.Where(e => Certified(_target, e.Key, e.Value.Digest)).Select(e => e.Key).Order().ToArray();
        foreach (var subset in Subsets(senders, QuorumRule.Byzantine.Size(_voters.Length)))
        {
            var s = subset.Select(x => byView[x].Message).ToArray();
            if (NewViewDecision.Decide(s, _f, _options.Window, _genesis, _flaw) is not { } decision)
            {
                continue;
            }

            var used = subset.Select(x => new ViewChangeRef(x, byView[x].Digest)).ToArray();
            var nv = new NewView(_id, NodeId.None, _target, used, decision.Stable.Seq, decision.Order);
            _ownNewView = nv;
            Broadcast(to => nv with { To = to });
            InstallView(_target, decision);
            return;
        }
    }

    private static IEnumerable<NodeId[]> Subsets(NodeId[] items, int size)
    {
        var index = new int[size];
        for (var i = 0; i < size; i++)
        {
            index[i] = i;
        }

        while (size <= items.Length)
        {
            yield return [.. index.Select(i => items[i])];
            var k = size - 1;
            while (k >= 0 && index[k] == items.Length - size + k)
            {
                k--;
            }

            if (k < 0)
            {
                yield break;
            }

            index[k]++;
            for (var j = k + 1; j < size; j++)
            {
                index[j] = index[j - 1] + 1;
            }
        }
    }

    private void OnNewView(NewView nv)
    {
        if (nv.View <= _view || nv.View < _target || nv.From != Primary(nv.View) || nv.Used.Count != QuorumRule.Byzantine.Size(_voters.Length)
            || nv.Used.Select(u => u.Sender).Distinct().Count() != nv.Used.Count)
        {
            return;
        }

        if (!_viewChanges.TryGetValue(nv.View, out var byView) || nv.Used.Any(u => !byView.ContainsKey(u.Sender)))
        {
            if (nv.View <= _target + 64)
            {
                _pendingNewViews[nv.View] = nv; // decided again when the view changes it names arrive
            }

            return;
        }

        if (nv.Used.Any(u => byView[u.Sender].Digest != u.Digest))
        {
            return; // not the view changes their senders sent us
        }

        var s = nv.Used.Select(u => byView[u.Sender].Message).ToArray();
        if (NewViewDecision.Decide(s, _f, _options.Window, _genesis, _flaw) is not { } decision
            || decision.Stable.Seq != nv.StableSeq || decision.Order.Count != nv.Order.Count
            || decision.Order.Zip(nv.Order).Any(x => x.First.Seq != x.Second.Seq || x.First.Batch.Digest != x.Second.Batch.Digest))
        {
            return;
        }

        _pendingNewViews.Remove(nv.View);
        _target = Math.Max(_target, nv.View);
        InstallView(nv.View, decision);
    }

    private void InstallView(long view, NewViewDecision.Decision decision)
    {
        _view = view;
        _target = view;
        _viewTimer = 0;
        _dirty = true;
        foreach (var key in _viewChanges.Keys.Where(k => k <= view).ToArray())
        {
            _viewChanges.Remove(key);
        }

        foreach (var key in _pendingNewViews.Keys.Where(k => k <= view).ToArray())
        {
            _pendingNewViews.Remove(key);
        }

        foreach (var key in _acks.Keys.Where(k => k <= view).ToArray())
        {
            _acks.Remove(key);
        }

        if (Primary(view) != _id)
        {
            _ownNewView = null;
        }

        foreach (var slot in _slots.Values)
        {
            slot.Pp = null;
            slot.PpView = -1;
        }

        if (decision.Stable.Seq > _stable.Seq)
        {
            // f+1 replicas hold it, one of them honest: the executed state there is right; we fetch it if behind.
            _ownCheckpoints.TryAdd(decision.Stable.Seq, decision.Stable);
            MakeStable(decision.Stable);
        }

        _assigned.Clear();
        _nextSeq = Math.Max(_stable.Seq, _lastExecutedSeq) + 1;
        foreach (var chosen in decision.Order)
        {
            if (!InWindow(chosen.Seq))
            {
                continue;
            }

            AcceptPrePrepare(SlotAt(chosen.Seq), chosen.Batch);
            _nextSeq = Math.Max(_nextSeq, chosen.Seq + 1);
        }

        CutBatches();
    }

    // ------------------------------------------------------------------ retransmission and catching up

    private void Retransmit()
    {
        var stuck = _progressMark == _lastExecutedSeq;
        _progressMark = _lastExecutedSeq;
        if (InViewChange)
        {
            if (_ownViewChange is { } own)
            {
                Broadcast(to => own with { To = to });
            }
        }
        else
        {
            foreach (var slot in _slots.Values)
            {
                if (slot.Pp is null || slot.PpView != _view || slot.Committed)
                {
                    continue;
                }

                var d = slot.Pp.Digest;
                if (Primary(_view) == _id)
                {
                    var batch = slot.Pp;
                    Broadcast(to => new PrePrepare(_id, to, _view, slot.Seq, batch));
                }
                else
                {
                    Broadcast(to => new Prepare(_id, to, _view, slot.Seq, d));
                }

                if (slot.SentCommitView == _view)
                {
                    Broadcast(to => new Commit(_id, to, _view, slot.Seq, d));
                }
            }
        }

        if (_ownCheckpoints.Count > 0)
        {
            var last = _ownCheckpoints.Values.Last();
            Broadcast(to => new Checkpoint(_id, to, last.Seq, last.Index, last.State));
        }

        var behind = ++_idleFetch % 4 == 0
            || _stable.Seq > _lastExecutedSeq
            || _checkpointVotes.Any(e => e.Key > _lastExecutedSeq && e.Value.Count >= _f + 1)
            || (stuck && (_pending.Count > 0 || InViewChange || _slots.Keys.Any(k => k > _lastExecutedSeq)));
        if (behind)
        {
            var from = _log.Count + 1L;
            Broadcast(to => new Fetch(_id, to, from));
        }
    }

    private void OnFetch(Fetch f)
    {
        if (f.FromIndex < 1 || f.FromIndex > _log.Count)
        {
            return;
        }

        var start = (int)(f.FromIndex - 1);
        var end = Math.Min(_log.Count, start + _options.MaxFetchEntries);
        while (end > start && _log[end - 1].Kind != EntryKind.Noop)
        {
            end--; // end at a batch marker
        }

        if (end == start)
        {
            // A batch longer than the limit still goes whole.
            end = start + 1;
            while (end < _log.Count && _log[end - 1].Kind != EntryKind.Noop)
            {
                end++;
            }
        }

        if (end > start)
        {
            Send(new FetchReply(_id, f.From, f.FromIndex, _log.GetRange(start, end - start)));
        }
    }

    private void OnFetchReply(FetchReply r)
    {
        if (r.FromIndex != _log.Count + 1 || r.Entries.Count == 0)
        {
            return;
        }

        if (_fetchedFor != _log.Count)
        {
            _fetchedFor = _log.Count;
            _vouches.Clear();
            _fetched.Clear();
        }

        var chain = _chain;
        for (var i = 0; i < r.Entries.Count; i++)
        {
            var e = r.Entries[i];
            if (e.Index != r.FromIndex + i || e.Kind is not (EntryKind.Command or EntryKind.Noop))
            {
                return;
            }

            chain = ChainStep(chain, e);
            if (e.Kind == EntryKind.Noop && MarkerSeq(e.Data.Span) is not null)
            {
                if (!_vouches.TryGetValue((e.Index, chain), out var who))
                {
                    _vouches[(e.Index, chain)] = who = [];
                }

                who.Add(r.From);
            }
        }

        _fetched[r.From] = r.Entries;
        var best = _vouches.Where(v => v.Value.Count >= _f + 1).Select(v => v.Key.Index).DefaultIfEmpty(0).Max();
        if (best == 0)
        {
            return;
        }

        var source = _vouches.First(v => v.Key.Index == best && v.Value.Count >= _f + 1).Value.First(s => _fetched.ContainsKey(s));
        var entries = _fetched[source];
        _vouches.Clear();
        _fetched.Clear();
        foreach (var e in entries)
        {
            if (e.Index > best)
            {
                break;
            }

            Adopt(e);
        }

        foreach (var key in _slots.Keys.Where(k => k <= _lastExecutedSeq).ToArray())
        {
            if (!_slots[key].Committed)
            {
                _slots.Remove(key);
            }
        }

        _viewTimer = 0;
        Execute();
        CutBatches();

        // Fetch the rest at once instead of at the next retransmission: a reply carries at most maxFetchEntries, and a
        // replica far behind would otherwise gain that much per retransmission interval and never catch up with a
        // cluster that keeps going. Only progress vouched for by f+1 replicas gets here, so this ends when we are level.
        var next = _log.Count + 1L;
        Broadcast(to => new Fetch(_id, to, next));
    }

    /// <summary>Takes an executed entry that f+1 replicas vouched for, as if executed here.</summary>
    private void Adopt(LogEntry e)
    {
        var entry = e with { Data = e.Data.ToArray() };
        if (entry.Kind == EntryKind.Command)
        {
            var id = Digest.Of(entry.Data.Span);
            if (_pendingIds.Remove(id))
            {
                _pending.RemoveAll(p => p.Id == id);
            }

            if (TryClient(entry.Data.Span, out var client, out var ts))
            {
                _clientTimestamps[client] = Math.Max(ts, _clientTimestamps.GetValueOrDefault(client));
                DropSuperseded(client, ts);
            }
        }

        Append(entry);
        if (entry.Kind == EntryKind.Noop && MarkerSeq(entry.Data.Span) is { } seq)
        {
            _lastExecutedSeq = seq;
            if (seq % _options.CheckpointInterval == 0)
            {
                TakeCheckpoint();
            }
        }
    }

    private static long? MarkerSeq(ReadOnlySpan<byte> data) =>
        data.Length == 41 && data[0] == MarkerMagic ? BinaryPrimitives.ReadInt64LittleEndian(data[1..]) : null;

    // ------------------------------------------------------------------ messages and authentication

    private void Broadcast(Func<NodeId, PbftMessage> make)
    {
        foreach (var peer in _voters)
        {
            if (peer != _id)
            {
                Send(make(peer));
            }
        }
    }

    private void Send(PbftMessage m) =>
        _messages.Add(_keys is null ? m : m with { Mac = HMACSHA256.HashData(_keys.KeyFor(m.To).Span, PbftCodec.Body(m)) });

    private bool Authentic(PbftMessage m)
    {
        if (_keys is null)
        {
            return true;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_keys.KeyFor(m.From).Span, PbftCodec.Body(m), mac);
        return m.Mac.Length == 32 && CryptographicOperations.FixedTimeEquals(mac, m.Mac);
    }

    // ------------------------------------------------------------------ state

    private Slot SlotAt(long seq)
    {
        if (!_slots.TryGetValue(seq, out var slot))
        {
            _slots[seq] = slot = new Slot(seq);
        }

        return slot;
    }

    private void AddPrePrepared(long seq, long view, Batch batch)
    {
        if (!_prePrepared.TryGetValue(seq, out var byDigest))
        {
            _prePrepared[seq] = byDigest = [];
        }

        if (!byDigest.TryGetValue(batch.Digest, out var had) || had.View < view)
        {
            byDigest[batch.Digest] = (view, batch);
            _dirty = true;
        }
    }

    private byte[] EncodeHardState()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var w = new BinaryOut(buffer);
        w.Byte(HardStateVersion);
        w.Varint(_view);
        w.Varint(_target);
        PbftCodec.WriteClaim(w, _stable);
        w.UVarint((ulong)_ownCheckpoints.Count);
        foreach (var c in _ownCheckpoints.Values)
        {
            PbftCodec.WriteClaim(w, c);
        }

        w.UVarint((ulong)_prepared.Count);
        foreach (var p in _prepared.Values)
        {
            w.Varint(p.Seq);
            w.Varint(p.View);
            PbftCodec.WriteBatch(w, p.Batch);
        }

        var q = _prePrepared.SelectMany(e => e.Value.Select(x => (Seq: e.Key, x.Value.View, x.Value.Batch))).ToArray();
        w.UVarint((ulong)q.Length);
        foreach (var (seq, view, batch) in q)
        {
            w.Varint(seq);
            w.Varint(view);
            PbftCodec.WriteBatch(w, batch);
        }

        // The view change sent for the target, verbatim: after a restart the same one goes out again (a rebuilt one could
        // differ, and two view changes for one view from one replica look like equivocation to the others).
        w.Bytes(InViewChange && _ownViewChange is { } own ? PbftCodec.Body(own) : []);
        return buffer.WrittenSpan.ToArray();
    }

    private void Recover(RecoveredState recovered)
    {
        // The executed log: replayed up to its last batch marker (a torn tail after it was never executed).
        var entries = recovered.Entries;
        var lastMarker = -1;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Kind == EntryKind.Noop && MarkerSeq(entries[i].Data.Span) is not null)
            {
                lastMarker = i;
            }
        }

        for (var i = 0; i <= lastMarker; i++)
        {
            var e = entries[i];
            _log.Add(e);
            _apply.Add(e); // applied again from the start: the runtime's state machine starts empty
            _chain = ChainStep(_chain, e);
            if (e.Kind == EntryKind.Command && TryClient(e.Data.Span, out var client, out var ts))
            {
                _clientTimestamps[client] = Math.Max(ts, _clientTimestamps.GetValueOrDefault(client));
            }
            else if (MarkerSeq(e.Data.Span) is { } seq)
            {
                _lastExecutedSeq = seq;
            }
        }

        if (!recovered.HardState.IsEmpty)
        {
            var r = new BinaryIn(recovered.HardState.Span);
            if (r.Byte() != HardStateVersion)
            {
                throw new FormatException("PBFT hard state of an unknown version.");
            }

            _view = r.Varint();
            _target = r.Varint();
            _stable = PbftCodec.ReadClaim(ref r);
            for (var n = PbftCodec.Count(ref r, 3); n > 0; n--)
            {
                var c = PbftCodec.ReadClaim(ref r);
                _ownCheckpoints[c.Seq] = c;
            }

            for (var n = PbftCodec.Count(ref r, 3); n > 0; n--)
            {
                var p = new PreparedClaim(r.Varint(), r.Varint(), PbftCodec.ReadBatch(ref r));
                _prepared[p.Seq] = p;
            }

            for (var n = PbftCodec.Count(ref r, 3); n > 0; n--)
            {
                var seq = r.Varint();
                var view = r.Varint();
                var batch = PbftCodec.ReadBatch(ref r);
                if (!_prePrepared.TryGetValue(seq, out var byDigest))
                {
                    _prePrepared[seq] = byDigest = [];
                }

                byDigest[batch.Digest] = (view, batch);
            }

            var own = r.BytesSpan();
            if (own.Length > 0)
            {
                var framed = new byte[own.Length + 1]; // the body and an empty MAC
                own.CopyTo(framed);
                _ownViewChange = PbftCodec.Instance.Decode(framed) as ViewChange ?? throw new FormatException("PBFT hard state holds no view change.");
            }

            r.End();
        }

        // Checkpoints of what was executed but not yet recorded as ours (a crash between the entries and the hard state).
        _nextSeq = Math.Max(_stable.Seq, _lastExecutedSeq) + 1;
        if (Primary(_view) == _id && !InViewChange)
        {
            // Resume after the pre-prepares sent in this view, resending them (the same batches) on retransmission.
            foreach (var (seq, byDigest) in _prePrepared)
            {
                foreach (var (digest, (view, batch)) in byDigest)
                {
                    if (view == _view && seq > _stable.Seq)
                    {
                        SlotAt(seq).Accept(view, batch);
                        _nextSeq = Math.Max(_nextSeq, seq + 1);
                    }
                }
            }
        }
        else if (!InViewChange)
        {
            foreach (var (seq, byDigest) in _prePrepared)
            {
                foreach (var (digest, (view, batch)) in byDigest)
                {
                    if (view == _view && seq > _stable.Seq)
                    {
                        var slot = SlotAt(seq);
                        slot.Accept(view, batch);
                        slot.Prepares[_id] = (view, digest);
                    }
                }
            }
        }

        if (InViewChange && _ownViewChange is { } sent && sent.View == _target)
        {
            Store(sent);
            Broadcast(to => sent with { To = to });
        }
        else if (InViewChange)
        {
            var target = _target;
            _target = _view;
            StartViewChange(target);
        }

        _dirty = false;
    }

    /// <summary>What a replica holds for one sequence number in the window.</summary>
    private sealed class Slot(long seq)
    {
        public long Seq { get; } = seq;

        public Batch? Pp { get; set; }

        public long PpView { get; set; } = -1;

        public Dictionary<NodeId, (long View, Digest D)> Prepares { get; } = [];

        public Dictionary<NodeId, (long View, Digest D)> Commits { get; } = [];

        public long SentCommitView { get; set; } = -1;

        public bool Committed { get; set; }

        public Batch? CommittedBatch { get; set; }

        public long CommittedView { get; set; }

        public void Accept(long view, Batch batch)
        {
            Pp = batch;
            PpView = view;
        }
    }
}
