using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Vr;

/// <summary>
/// A Viewstamped Replication replica (Liskov and Cowling, "Viewstamped Replication Revisited", 2012) as a pure,
/// deterministic state machine: normal operation (Prepare, PrepareOK, Commit), view change (StartViewChange,
/// DoViewChange, StartView), recovery with a nonce and state transfer (GetState, NewState). The primary of view v is
/// the voter at position v mod n of the sorted voters. The in-memory log and its commit/apply bookkeeping are Raft's
/// <see cref="RaftLog"/> (op-number = index, view of an entry = term).
/// </summary>
/// <remarks>
/// <para>
/// Durability (an fsync'd variant of VRR): the view, the last normal view, the status, the log and the valid end of the
/// log (op-number and its view) are written and synced before any message that depends on them is sent (every such
/// message leaves in the same <see cref="Ready"/>, which the runtime persists first). A replica restarted on state that
/// is intact therefore resumes as a replica that merely missed messages: in its view, with its status.
/// </para>
/// <para>
/// A replica whose storage is empty, or whose hard state is missing, unreadable, marked recovering, or does not match
/// its log (the log ends before the recorded op, the recorded op's view differs, or a snapshot is newer than the
/// recorded commit-number) keeps only its snapshot, writes a recovering marker (synced) and runs VRR's recovery
/// protocol: it sends Recovery with a fresh nonce and answers nothing, votes for nothing and acknowledges nothing
/// until a quorum's worth of normal replicas (n - majority + 1 others, f+1 for odd n) answered with that nonce,
/// including the primary of the latest view among the answers, whose log it then adopts.
/// </para>
/// <para>
/// A new cluster: every replica starts empty, hence recovering. A recovering replica that holds nothing (view 0, no
/// entries, no snapshot) answers Recovery as "pristine". A pristine replica that hears from all n-1 others that they are
/// in view 0 with an empty log starts in view 0; a recovering replica that hears from all n-1 others that they are in
/// view 0 (normal, or pristine) adopts the log of view 0's primary. Both are safe: an operation committed anywhere is
/// held by a majority, of which at most f lost their state, and a completed view change leaves a majority in a later
/// view, so some answer would say otherwise. A pristine replica that hears from all n-1 others that none holds anything
/// and none is normal (view 0 failed before any op; replicas in view change answer Recovery too, with what they hold)
/// joins the view change under way, which may need it for a quorum; safe by the same argument.
/// </para>
/// <para>
/// Liveness: a primary that hears from fewer than a quorum's worth of backups for a view-change timeout (backups answer
/// every Prepare and Commit) starts a view change rather than take proposals that cannot commit; a view change that too
/// few joined for a quorum stays in its view when it times out, so a replica cut off does not count views up and, once
/// back, force its count on the cluster (the primary of a later normal view pulls it in).
/// </para>
/// <para>
/// Logs move whole, not op by op: DoViewChange carries only (last normal view, op, commit); the new primary fetches
/// the chosen log with GetState when it is not its own. StartView carries the new primary's log after its commit
/// point; a backup whose log does not hold that point fetches the rest and stays in view change until it has it, so a
/// replica normal in view v always holds the log view v started with (the property the DoViewChange choice relies on).
/// </para>
/// </remarks>
internal sealed class VrNode : IConsensusNode
{
    private readonly VrOptions _options;
    private readonly VrFlaw _flaw;
    private readonly Random _random;
    private readonly Membership _membership;
    private readonly IReadOnlyList<NodeId> _voters;
    private readonly int _quorum;
    private readonly int _recoveryAnswers;
    private readonly RaftLog _log;
    private readonly Dictionary<NodeId, long> _match = [];
    private readonly HashSet<NodeId> _startViewChanges = [];
    private readonly Dictionary<NodeId, DoViewChange> _doViewChanges = [];
    private readonly Dictionary<NodeId, RecoveryResponse> _answers = [];
    private readonly HashSet<NodeId> _heardFrom = [];
    private List<IProtocolMessage> _messages = [];

    private long _view;
    private long _lastNormalView;
    private VrStatus _status;
    private VrHardState? _persisted;
    private VrHardState? _handedOut;
    private long _tick;
    private int _elapsed;
    private int _heartbeatElapsed;
    private int _timeout;
    private int _quorumCheckElapsed;
    private long? _stateRequestedTick;
    private bool _doViewChangeSent;
    private bool _awaitingState;
    private DoViewChange? _fetching;
    private long _fetchCommit;
    private long _nonce;

    public VrNode(NodeId id, Membership membership, RecoveredState recovered, Random random, VrOptions options, VrFlaw flaw = VrFlaw.None)
    {
        if (id.IsNone)
        {
            throw new ArgumentException("A node needs a non-zero id.", nameof(id));
        }

        if (!membership.IsVoter(id))
        {
            throw new ArgumentException($"Node {id} is not a voter of {membership}; VR runs on a fixed set of voters.", nameof(id));
        }

        Id = id;
        _options = options;
        _flaw = flaw;
        _random = random;
        _membership = membership;
        _voters = membership.Voters;
        _quorum = QuorumRule.Majority.Size(_voters.Count);
        _recoveryAnswers = _voters.Count - _quorum + 1;
        ResetTimeout();

        var hardState = Classify(recovered, out var intact);
        if (intact)
        {
            var h = hardState!.Value;
            _log = new RaftLog(recovered.Snapshot, recovered.Entries.Where(e => e.Index <= h.Op).ToArray(), h.Commit);
            _view = h.View;
            _lastNormalView = h.LastNormalView;
            _status = h.Status;
            _persisted = CurrentHardState;
            if (_status == VrStatus.Normal && IsPrimary)
            {
                ResetMatch();
            }
            else if (_status == VrStatus.ViewChange)
            {
                Broadcast(v => new StartViewChange(Id, v, _view));
            }
        }
        else
        {
            // Only the snapshot is trusted (it holds committed state only); the log comes back through recovery.
            _log = new RaftLog(recovered.Snapshot, [], recovered.Snapshot?.Index ?? 0);
            _view = hardState?.View ?? 0;
            _lastNormalView = Math.Min(hardState?.LastNormalView ?? 0, _view);
            _persisted = recovered.HardState.IsEmpty && recovered.Snapshot is null && recovered.Entries.Count == 0 ? default(VrHardState) : null;
            StartRecovery();
        }
    }

    public NodeId Id { get; }

    public ConsensusStatus Status => new(
        Id,
        _status switch
        {
            VrStatus.Normal => IsPrimary ? ConsensusRole.Leader : ConsensusRole.Follower,
            VrStatus.ViewChange => ConsensusRole.ViewChange,
            _ => ConsensusRole.Recovering,
        },
        _view,
        _status == VrStatus.Normal ? PrimaryOf(_view) : NodeId.None,
        _log.LastIndex,
        _log.Committed,
        _log.Applying,
        _membership);

    public bool HasReady =>
        _messages.Count > 0 || _log.PendingSnapshot is not null || _log.UnstableFrom <= _log.LastIndex
        || _log.HasNextCommittedEntries || CurrentHardState != _persisted;

    // Exposed for tests.
    internal RaftLog Log => _log;

    internal long View => _view;

    internal long LastNormalView => _lastNormalView;

    internal VrStatus VrStatus => _status;

    internal long Nonce => _nonce;

    private VrHardState CurrentHardState => new(_view, _lastNormalView, _status, _log.LastIndex, Math.Max(0, _log.LastTerm), _log.Committed);

    private bool IsPrimary => PrimaryOf(_view) == Id;

    /// <summary>True while the replica holds nothing at all: a new cluster's replica, or one that lost everything.</summary>
    private bool Pristine => _view == 0 && _lastNormalView == 0 && _log.LastIndex == 0;

    private NodeId PrimaryOf(long view) => _voters[(int)(view % _voters.Count)];

    // ---------------------------------------------------------------- restart

    /// <summary>
    /// Decides whether the recovered state can be resumed from (<paramref name="intact"/>) and returns the hard state
    /// when it could be read. Intact means: a readable hard state that is not a recovering marker, whose op is in the
    /// log with the recorded view, and no snapshot past its commit-number.
    /// </summary>
    private VrHardState? Classify(RecoveredState recovered, out bool intact)
    {
        intact = false;
        if (recovered.HardState.IsEmpty)
        {
            return null;
        }

        VrHardState h;
        try
        {
            h = VrHardState.Decode(recovered.HardState.Span);
        }
        catch (FormatException)
        {
            return null;
        }

        if (h.Status == VrStatus.Recovering)
        {
            return h;
        }

        var snapshotIndex = recovered.Snapshot?.Index ?? 0;
        var entries = recovered.Entries;
        var last = entries.Count > 0 ? entries[^1].Index : snapshotIndex;
        if (snapshotIndex > h.Commit || h.Op < snapshotIndex || h.Op > last)
        {
            return h;
        }

        if (h.Op > snapshotIndex && h.Op < entries[0].Index)
        {
            return h;
        }

        var opView = h.Op == snapshotIndex ? recovered.Snapshot?.Term ?? 0 : entries[(int)(h.Op - entries[0].Index)].Term;
        intact = opView == h.OpView || _flaw == VrFlaw.AckWithoutDurableState;
        return h;
    }

    // ---------------------------------------------------------------- inputs

    public void Tick()
    {
        _tick++;
        _elapsed++;
        _heartbeatElapsed++;
        var beat = _heartbeatElapsed >= _options.HeartbeatIntervalTicks;
        if (beat)
        {
            _heartbeatElapsed = 0;
        }

        switch (_status)
        {
            case VrStatus.Normal when IsPrimary:
                if (++_quorumCheckElapsed >= _options.ViewChangeTimeoutMinTicks)
                {
                    // A primary cut off from its backups would accept proposals that can never commit (and its clients
                    // would wait on them): without word from enough backups for a view-change timeout, it stops being
                    // primary and starts a view change, as a backup that lost its primary does.
                    _quorumCheckElapsed = 0;
                    var heard = _heardFrom.Count;
                    _heardFrom.Clear();
                    if (heard < _quorum - 1)
                    {
                        EnterViewChange(_view + 1);
                        break;
                    }
                }

                if (beat)
                {
                    Heartbeat();
                }

                break;
            case VrStatus.Normal:
                if (_elapsed >= _timeout)
                {
                    EnterViewChange(_view + 1);
                }

                break;
            case VrStatus.ViewChange:
                if (_elapsed >= _timeout && (_awaitingState || _startViewChanges.Count >= _quorum - 1))
                {
                    // The view change had a quorum and stalled (its primary is silent, or the log it chose cannot be
                    // fetched), or the view's primary does not hand over its state: the next view may do better.
                    EnterViewChange(_view + 1);
                }
                else if (_elapsed >= _timeout)
                {
                    // Too few joined this view change for a quorum: a later view would not gather one either, and a replica cut
                    // off that kept counting views would, once back, drag the whole cluster into a view change to its
                    // view (the others' messages, of lower views, never reach it). It stays in this view, asking on each
                    // beat; the primary of a later view that is normal pulls it in (JoinViewAwaitingState).
                    ResetTimeout();
                }
                else if (beat)
                {
                    ResendViewChange();
                }

                break;
            case VrStatus.Recovering:
                if (beat)
                {
                    Broadcast(v => new Recovery(Id, v, _view, _nonce, _log.Committed + 1));
                }

                break;
        }
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not VrMessage m || m.To != Id || m.From == Id || !_membership.IsVoter(m.From) || m.View < 0)
        {
            return;
        }

        if (_status == VrStatus.Recovering)
        {
            // A recovering replica takes part in nothing; it only learns, and tells others it holds nothing when so.
            if (m is RecoveryResponse answer)
            {
                OnRecoveryResponse(answer);
            }
            else if (m is Recovery recovery && Pristine)
            {
                Send(new RecoveryResponse(Id, recovery.From, 0, recovery.Nonce, VrStatus.Recovering, true, false, 0, 0, 0, null, []));
            }

            return;
        }

        switch (m)
        {
            case Recovery recovery:
                OnRecovery(recovery);
                return;
            case RecoveryResponse:
                return;
        }

        if (m.View < _view)
        {
            if (_flaw == VrFlaw.AckPrepareOfOldView && m is Prepare old && old.From == PrimaryOf(old.View) && old.PrevOp <= _log.LastIndex)
            {
                var fresh = old.Entries.Where(e => e.Index > _log.LastIndex).ToArray();
                if (fresh.Length > 0)
                {
                    _log.Append(fresh);
                }

                Send(new PrepareOk(Id, old.From, old.View, _log.LastIndex));
            }

            return;
        }

        if (m.View > _view)
        {
            switch (m)
            {
                case StartViewChange or DoViewChange:
                    EnterViewChange(m.View);
                    break;
                case Prepare or Commit when m.From == PrimaryOf(m.View):
                    // The view changed without us: join it and fetch the primary's log before taking part.
                    JoinViewAwaitingState(m.View);
                    return;
                case StartView:
                    break;
                default:
                    return;
            }
        }

        switch (m)
        {
            case Prepare p:
                OnPrepare(p);
                break;
            case PrepareOk ok:
                OnPrepareOk(ok);
                break;
            case Commit c:
                OnCommit(c);
                break;
            case StartViewChange:
                if (_status == VrStatus.ViewChange)
                {
                    _startViewChanges.Add(m.From);
                    MaybeSendDoViewChange();
                }

                break;
            case DoViewChange d:
                OnDoViewChange(d);
                break;
            case StartView s:
                OnStartView(s);
                break;
            case GetState g:
                OnGetState(g);
                break;
            case NewState n:
                OnNewState(n);
                break;
        }
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (_status != VrStatus.Normal || !IsPrimary)
        {
            return ProposeResult.Refused(
                _status == VrStatus.Normal ? "not the primary" : $"replica is in {_status} status",
                _status == VrStatus.Normal ? PrimaryOf(_view) : NodeId.None);
        }

        var prev = _log.LastIndex;
        var prevView = Math.Max(0, _log.LastTerm);
        var entry = new LogEntry(prev + 1, _view, EntryKind.Command, command.ToArray());
        _log.Append(entry);
        LogEntry[] entries = [entry];
        Broadcast(v => new Prepare(Id, v, _view, prev, prevView, _log.Committed, entries));
        MaybeCommit();
        return ProposeResult.Ok(entry.Index, _view);
    }

    public ProposeResult ProposeMembershipChange(MembershipChange change) =>
        ProposeResult.Refused("VR runs on a fixed membership", _status == VrStatus.Normal ? PrimaryOf(_view) : NodeId.None);

    public bool ReadIndex(ReadOnlyMemory<byte> context) => false;

    public bool TransferLeadership(NodeId target) => false;

    public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData)
    {
        if (index <= _log.SnapshotIndex || index > _log.Applying)
        {
            return null;
        }

        var snapshot = new Snapshot(index, _log.Term(index), _membership, snapshotData);
        _log.Compact(snapshot);
        return snapshot;
    }

    public Ready GetReady()
    {
        var hardState = CurrentHardState;
        var changed = hardState != _persisted;
        var entries = _log.UnstableEntries();
        var snapshot = _log.PendingSnapshot;
        var ready = new Ready
        {
            HardState = changed ? hardState.Encode() : ReadOnlyMemory<byte>.Empty,
            Snapshot = snapshot,
            Entries = entries,
            Messages = _messages,
            CommittedEntries = _log.TakeNextCommittedEntries(_options.MaxCommittedBytesPerReady),
            MustSync = _flaw != VrFlaw.AckWithoutDurableState && (changed || entries.Length > 0 || snapshot is not null),
        };
        _handedOut = changed ? hardState : null;
        _messages = [];
        if (snapshot is not null)
        {
            _log.SnapshotHandedOut();
        }

        return ready;
    }

    public void Advance(Ready ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (ready.Entries.Count > 0)
        {
            var last = ready.Entries[^1];
            _log.StableTo(last.Index, last.Term);
        }

        if (_handedOut is { } persisted)
        {
            _persisted = persisted;
            _handedOut = null;
        }

        if (ready.CommittedEntries.Count > 0)
        {
            _log.AppliedTo(ready.CommittedEntries[^1].Index);
        }
    }

    // ---------------------------------------------------------------- normal operation

    private void Heartbeat()
    {
        foreach (var backup in _voters)
        {
            if (backup == Id)
            {
                continue;
            }

            var match = _match.GetValueOrDefault(backup);
            if (match < _log.LastIndex)
            {
                var from = Math.Max(match, _log.SnapshotIndex);
                var entries = _log.Slice(from + 1, _log.LastIndex + 1, long.MaxValue, _options.MaxBatchEntries);
                Send(new Prepare(Id, backup, _view, from, _log.Term(from), _log.Committed, entries));
            }
            else
            {
                Send(new Commit(Id, backup, _view, _log.Committed));
            }
        }
    }

    private void OnPrepare(Prepare p)
    {
        if (p.From != PrimaryOf(_view))
        {
            return;
        }

        if (_status == VrStatus.ViewChange)
        {
            JoinViewAwaitingState(_view);
            return;
        }

        if (IsPrimary)
        {
            return;
        }

        _elapsed = 0;
        if (p.PrevOp > _log.LastIndex)
        {
            RequestState(_log.LastIndex + 1, force: false);
            return;
        }

        if (p.PrevOp >= _log.SnapshotIndex && p.PrevOp > _log.Committed && !_log.MatchTerm(p.PrevOp, p.PrevView))
        {
            return; // cannot happen while a normal backup's log is a prefix of its primary's; ignored rather than trusted
        }

        var fresh = p.Entries.Where(e => e.Index > _log.LastIndex).ToArray();
        if (fresh.Length > 0 && fresh[0].Index == _log.LastIndex + 1)
        {
            _log.Append(fresh);
        }

        _log.CommitTo(Math.Min(p.Commit, _log.LastIndex));
        Send(new PrepareOk(Id, p.From, _view, _log.LastIndex));
    }

    private void OnCommit(Commit c)
    {
        if (c.From != PrimaryOf(_view))
        {
            return;
        }

        if (_status == VrStatus.ViewChange)
        {
            JoinViewAwaitingState(_view);
            return;
        }

        if (IsPrimary)
        {
            return;
        }

        _elapsed = 0;
        if (c.CommitNumber > _log.LastIndex)
        {
            RequestState(_log.LastIndex + 1, force: false);
        }

        _log.CommitTo(Math.Min(c.CommitNumber, _log.LastIndex));
        Send(new PrepareOk(Id, c.From, _view, _log.LastIndex)); // the primary counts its backups on these (see Tick)
    }

    private void OnPrepareOk(PrepareOk ok)
    {
        if (_status != VrStatus.Normal || !IsPrimary)
        {
            return;
        }

        _heardFrom.Add(ok.From);

        var op = Math.Min(ok.Op, _log.LastIndex);
        if (op > _match.GetValueOrDefault(ok.From))
        {
            _match[ok.From] = op;
            MaybeCommit();
        }
    }

    /// <summary>Commits the largest op a quorum of this view holds (VR commits ops of earlier views the same way: the view change already chose them).</summary>
    private void MaybeCommit()
    {
        var held = new List<long>(_voters.Count) { _log.LastIndex };
        foreach (var backup in _voters)
        {
            if (backup != Id)
            {
                held.Add(_match.GetValueOrDefault(backup));
            }
        }

        held.Sort((a, b) => b.CompareTo(a));
        var committed = held[_quorum - 1];
        if (committed > _log.Committed)
        {
            _log.CommitTo(committed);
        }
    }

    private void ResetMatch()
    {
        _heardFrom.Clear();
        _quorumCheckElapsed = 0;
        _match.Clear();
        foreach (var backup in _voters)
        {
            if (backup != Id)
            {
                _match[backup] = 0;
            }
        }
    }

    // ---------------------------------------------------------------- view change

    private void EnterViewChange(long view)
    {
        if (view < _view || (view == _view && _status == VrStatus.ViewChange))
        {
            return;
        }

        _view = view;
        _status = VrStatus.ViewChange;
        ClearViewChange();
        ResetTimeout();
        Broadcast(v => new StartViewChange(Id, v, _view));
        MaybeSendDoViewChange();
    }

    private void JoinViewAwaitingState(long view)
    {
        if (view > _view)
        {
            _view = view;
            ClearViewChange();
            ResetTimeout();
        }

        _status = VrStatus.ViewChange;
        if (!_awaitingState)
        {
            _awaitingState = true;
            RequestState(_log.Committed + 1, force: true);
        }
    }

    private void ClearViewChange()
    {
        _startViewChanges.Clear();
        _doViewChanges.Clear();
        _doViewChangeSent = false;
        _awaitingState = false;
        _fetching = null;
        _elapsed = 0;
    }

    private void ResendViewChange()
    {
        if (_awaitingState)
        {
            RequestState(_log.Committed + 1, force: true);
            return;
        }

        if (_fetching is { } chosen)
        {
            Send(new GetState(Id, chosen.From, _view, _log.Committed + 1));
            return;
        }

        Broadcast(v => new StartViewChange(Id, v, _view));
        if (_doViewChangeSent && PrimaryOf(_view) != Id)
        {
            Send(OwnDoViewChange());
        }
    }

    private DoViewChange OwnDoViewChange() =>
        new(Id, PrimaryOf(_view), _view, _lastNormalView, _log.LastIndex, Math.Max(0, _log.LastTerm), _log.Committed);

    private void MaybeSendDoViewChange()
    {
        if (_status != VrStatus.ViewChange || _doViewChangeSent || _awaitingState || _startViewChanges.Count < _quorum - 1)
        {
            return;
        }

        _doViewChangeSent = true;
        if (PrimaryOf(_view) == Id)
        {
            MaybeStartView();
        }
        else
        {
            Send(OwnDoViewChange());
        }
    }

    private void OnDoViewChange(DoViewChange d)
    {
        if (_status != VrStatus.ViewChange || PrimaryOf(_view) != Id || _awaitingState || _fetching is not null)
        {
            return;
        }

        _doViewChanges[d.From] = d;
        MaybeStartView();
    }

    /// <summary>With DoViewChange from a quorum (this replica included), takes the log of the largest (last normal view, op).</summary>
    private void MaybeStartView()
    {
        if (_doViewChanges.Count + 1 < _quorum)
        {
            return;
        }

        var own = OwnDoViewChange();
        var chosen = own;
        var commit = own.Commit;
        foreach (var d in _doViewChanges.Values.OrderBy(d => d.From))
        {
            commit = Math.Max(commit, d.Commit);
            var better = _flaw == VrFlaw.ChooseLogByOpOnly
                ? d.Op > chosen.Op
                : d.LastNormalView > chosen.LastNormalView || (d.LastNormalView == chosen.LastNormalView && d.Op > chosen.Op);
            if (better)
            {
                chosen = d;
            }
        }

        if (chosen.From == Id)
        {
            BecomePrimary(commit);
            return;
        }

        _fetching = chosen;
        _fetchCommit = commit;
        Send(new GetState(Id, chosen.From, _view, _log.Committed + 1));
    }

    private void BecomePrimary(long commit)
    {
        _status = VrStatus.Normal;
        _lastNormalView = _view;
        ClearViewChange();
        ResetMatch();
        _log.CommitTo(Math.Min(commit, _log.LastIndex));
        _heartbeatElapsed = 0;
        var baseOp = _log.Committed;
        var baseView = _log.Term(baseOp);
        var entries = _log.Slice(baseOp + 1, _log.LastIndex + 1, long.MaxValue, int.MaxValue);
        Broadcast(v => new StartView(Id, v, _view, _log.LastIndex, _log.Committed, baseOp, baseView, entries));
    }

    private void OnStartView(StartView s)
    {
        if (s.From != PrimaryOf(s.View) || (s.View == _view && _status == VrStatus.Normal) || s.Op < _log.Committed)
        {
            return;
        }

        var matches = s.BaseOp <= _log.Committed || (s.BaseOp <= _log.LastIndex && _log.MatchTerm(s.BaseOp, s.BaseView));
        if (!matches || !Install(null, s.Entries, s.Op, s.Entries.Count > 0 ? s.Entries[^1].Term : s.BaseView, s.Commit))
        {
            JoinViewAwaitingState(s.View);
            return;
        }

        _view = s.View;
        BecomeBackup();
    }

    private void BecomeBackup()
    {
        _status = VrStatus.Normal;
        _lastNormalView = _view;
        ClearViewChange();
        ResetTimeout();
        Send(new PrepareOk(Id, PrimaryOf(_view), _view, _log.LastIndex));
    }

    // ---------------------------------------------------------------- state transfer

    private void RequestState(long from, bool force)
    {
        if (!force && _stateRequestedTick is { } last && _tick - last < _options.HeartbeatIntervalTicks)
        {
            return;
        }

        _stateRequestedTick = _tick;
        Send(new GetState(Id, PrimaryOf(_view), _view, from));
    }

    private void OnGetState(GetState g)
    {
        // The primary serves its backups; a replica in view change serves the new primary that chose its log.
        var serve = (_status == VrStatus.Normal && IsPrimary) || (_status == VrStatus.ViewChange && g.From == PrimaryOf(_view) && !_awaitingState);
        if (!serve)
        {
            return;
        }

        var (snapshot, entries) = LogFrom(g.FromOp);
        Send(new NewState(Id, g.From, _view, _log.LastIndex, Math.Max(0, _log.LastTerm), _log.Committed, snapshot, entries));
    }

    /// <summary>This log from <paramref name="from"/> on: the snapshot first when that part is compacted.</summary>
    private (Snapshot? Snapshot, LogEntry[] Entries) LogFrom(long from)
    {
        from = Math.Max(from, 1);
        if (from <= _log.SnapshotIndex && _log.Snapshot is { } snapshot)
        {
            return (snapshot, _log.Slice(_log.SnapshotIndex + 1, _log.LastIndex + 1, long.MaxValue, int.MaxValue));
        }

        return (null, _log.Slice(Math.Max(from, _log.FirstIndex), _log.LastIndex + 1, long.MaxValue, int.MaxValue));
    }

    private void OnNewState(NewState n)
    {
        if (_status == VrStatus.ViewChange && _fetching is { } chosen && n.From == chosen.From)
        {
            // The new primary adopts the chosen log, exactly as its holder reported it in DoViewChange.
            if (n.Op == chosen.Op && n.OpView == chosen.OpView && Install(n.Snapshot, n.Entries, n.Op, n.OpView, n.Commit))
            {
                BecomePrimary(_fetchCommit);
            }

            return;
        }

        if (n.From != PrimaryOf(_view))
        {
            return;
        }

        if (_status == VrStatus.ViewChange && _awaitingState)
        {
            if (Install(n.Snapshot, n.Entries, n.Op, n.OpView, n.Commit))
            {
                BecomeBackup();
            }

            return;
        }

        // A normal backup only extends its log: a NewState older than Prepares that arrived since must not cut acknowledged ops.
        if (_status == VrStatus.Normal && !IsPrimary && Install(n.Snapshot, n.Entries, n.Op, n.OpView, n.Commit, extendOnly: true))
        {
            _elapsed = 0;
            Send(new PrepareOk(Id, n.From, _view, _log.LastIndex));
        }
    }

    /// <summary>
    /// Makes this log the sender's: keeps the committed prefix (identical everywhere), takes the snapshot when it is
    /// newer, then the entries, and cuts the log at <paramref name="op"/> (unless <paramref name="extendOnly"/>: a normal
    /// backup's log is a prefix of its primary's, so it only grows). Checks everything first; false changes nothing.
    /// </summary>
    private bool Install(Snapshot? snapshot, IReadOnlyList<LogEntry> entries, long op, long opView, long commit, bool extendOnly = false)
    {
        if (op < _log.Committed)
        {
            return false;
        }

        for (var i = 1; i < entries.Count; i++)
        {
            if (entries[i].Index != entries[0].Index + i)
            {
                return false;
            }
        }

        if (entries.Count > 0 && entries[^1].Index != op)
        {
            return false;
        }

        var useSnapshot = snapshot is not null && snapshot.Index > (extendOnly ? _log.LastIndex : _log.Committed) && snapshot.Index <= op;
        var floor = useSnapshot ? snapshot!.Index : _log.Committed;
        var end = useSnapshot ? snapshot!.Index : _log.LastIndex;
        var relevant = entries.Where(e => e.Index > floor).ToArray();
        if (relevant.Length > 0 ? relevant[0].Index > end + 1 : op > floor && !(op <= end && !useSnapshot && _log.MatchTerm(op, opView)))
        {
            return false;
        }

        if (useSnapshot)
        {
            _log.Restore(snapshot!);
        }

        var same = 0;
        while (same < relevant.Length && _log.MatchTerm(relevant[same].Index, relevant[same].Term))
        {
            same++;
        }

        if (same < relevant.Length)
        {
            _log.Append(same == 0 ? relevant : relevant[same..]);
        }
        else if (_log.LastIndex > op && !extendOnly)
        {
            _log.TruncateAfter(op);
        }

        _log.CommitTo(Math.Min(commit, _log.LastIndex));
        return true;
    }

    // ---------------------------------------------------------------- recovery

    private void StartRecovery()
    {
        _status = VrStatus.Recovering;
        _nonce = _random.NextInt64(1, long.MaxValue);
        _answers.Clear();
        ClearViewChange();
        Broadcast(v => new Recovery(Id, v, _view, _nonce, _log.Committed + 1));
    }

    private void OnRecovery(Recovery r)
    {
        if (_status == VrStatus.ViewChange)
        {
            // Not an answer recovery can adopt a log from (it counts normal replicas only), but it tells a replica that
            // holds nothing that a view change is under way, and on what log (see OnRecoveryResponse).
            Send(new RecoveryResponse(Id, r.From, _view, r.Nonce, VrStatus.ViewChange, Pristine, false, _log.LastIndex, Math.Max(0, _log.LastTerm),
                _log.Committed, null, []));
            return;
        }

        if (_status != VrStatus.Normal)
        {
            return;
        }

        if (IsPrimary)
        {
            var (snapshot, entries) = LogFrom(r.FromOp);
            Send(new RecoveryResponse(Id, r.From, _view, r.Nonce, VrStatus.Normal, Pristine, true, _log.LastIndex, Math.Max(0, _log.LastTerm),
                _log.Committed, snapshot, entries));
        }
        else
        {
            Send(new RecoveryResponse(Id, r.From, _view, r.Nonce, VrStatus.Normal, Pristine, false, _log.LastIndex, Math.Max(0, _log.LastTerm),
                _log.Committed, null, []));
        }
    }

    private void OnRecoveryResponse(RecoveryResponse a)
    {
        if (a.Nonce != _nonce)
        {
            return;
        }

        _answers[a.From] = a;
        var everyone = _answers.Count == _voters.Count - 1;
        if (everyone && Pristine && _answers.Values.All(x => x.View == 0 && x.Op == 0))
        {
            // A new cluster: nobody holds anything, so view 0 starts with an empty log (as it does everywhere).
            FinishRecovery(0);
            return;
        }

        if (everyone && _answers.Values.All(x => x.View == 0 && (x.Status == VrStatus.Normal || x.Pristine))
            && _answers.TryGetValue(PrimaryOf(0), out var first) && first.Status == VrStatus.Normal && first.IsPrimary)
        {
            // Still view 0 everywhere (the replicas that started before this one hold nothing else): adopt its primary's log.
            if (Install(first.Snapshot, first.Entries, first.Op, first.OpView, first.Commit))
            {
                FinishRecovery(0);
            }

            return;
        }

        if (everyone && Pristine && _answers.Values.All(x => x.Status != VrStatus.Normal && x.Op == 0 && x.Commit == 0)
            && _answers.Values.Where(x => x.Status == VrStatus.ViewChange).Select(x => x.View).DefaultIfEmpty(0).Max() is > 0 and var changing)
        {
            // Nobody is normal and nobody holds anything (a new cluster whose view 0 failed before any op, while replicas
            // that never finished starting were still asking): the view change under way has nothing to lose, and without
            // this replica it may lack a quorum for ever (recovery needs normal replicas). Join it as a replica that
            // holds nothing, which is what this one is.
            _answers.Clear();
            EnterViewChange(changing);
            return;
        }

        var normal = _answers.Values.Where(x => x.Status == VrStatus.Normal).ToArray();
        if (normal.Length < _recoveryAnswers)
        {
            return;
        }

        var latest = normal.Max(x => x.View);
        if (!_answers.TryGetValue(PrimaryOf(latest), out var primary) || primary.Status != VrStatus.Normal || primary.View != latest || !primary.IsPrimary)
        {
            return;
        }

        if (Install(primary.Snapshot, primary.Entries, primary.Op, primary.OpView, primary.Commit))
        {
            FinishRecovery(latest);
        }
    }

    private void FinishRecovery(long view)
    {
        _view = Math.Max(view, 0);
        _answers.Clear();
        _status = VrStatus.Normal;
        _lastNormalView = _view;
        ClearViewChange();
        ResetTimeout();
        if (IsPrimary)
        {
            ResetMatch();
        }
        else if (_view > 0 || _log.LastIndex > 0)
        {
            Send(new PrepareOk(Id, PrimaryOf(_view), _view, _log.LastIndex));
        }
    }

    // ---------------------------------------------------------------- helpers

    private void ResetTimeout()
    {
        _elapsed = 0;
        _timeout = _random.Next(_options.ViewChangeTimeoutMinTicks, _options.ViewChangeTimeoutMaxTicks);
    }

    private void Broadcast(Func<NodeId, IProtocolMessage> message)
    {
        foreach (var voter in _voters)
        {
            if (voter != Id)
            {
                Send(message(voter));
            }
        }
    }

    private void Send(IProtocolMessage message) => _messages.Add(message);
}
