using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Common;
using UltimateConsensus.Raft;

namespace UltimateConsensus.MultiPaxos;

/// <summary>
/// A Multi-Paxos node (proposer, acceptor and learner in one) as a pure, deterministic state machine on the SDK's
/// consensus contract. Inputs are <see cref="Tick"/>, <see cref="Step"/>, <see cref="Propose"/> and <see cref="ReadIndex"/>;
/// outputs are collected in a <see cref="Ready"/>. No threads, clock, I/O or randomness other than the seeded one given.
/// </summary>
/// <remarks>
/// <para>Ballots are numbers owned round-robin by the voters (ballot b belongs to voter b mod n, in id order), so each
/// has one possible leader. A node that hears no leader for an election timeout takes its next ballot above every
/// ballot it has seen and runs phase 1 once for every slot after its commit index: each acceptor promises (persisted
/// before it answers) and returns the values it accepted there. With a quorum of promises the node leads: for each slot
/// it takes the value accepted in the highest ballot, fills the slots nobody accepted with no-ops, adds one no-op of its
/// own, and proposes them all again in its ballot (phase 2). From then on each new command costs phase 2 alone.</para>
/// <para>The log is the acceptor's state: entry <c>i</c> holds the value accepted for slot <c>i</c>, its term the ballot
/// it was accepted in. An acceptor accepts only from the leader of the ballot it promised (or a higher one), persists the
/// entries before it answers, and never goes below its commit index, where values are chosen. It knows a prefix of slots
/// that are chosen or accepted in the current ballot (<c>match</c>); it learns the leader's commit index only up to it,
/// and answers with it, so the leader's quorum count is per slot. Catch-up resends from an acceptor's match, or sends the
/// snapshot when the leader has compacted those slots; values the leader knows chosen are sent in its ballot too.</para>
/// <para>Reads: the leader confirms its ballot with a heartbeat round answered by a quorum after the read arrived, once an
/// entry of its ballot is committed (so it knows every chosen slot), then serves at its commit index: ReadIndex.</para>
/// </remarks>
internal sealed class PaxosNode : IConsensusNode
{
    private readonly PaxosOptions _options;
    private readonly Random _random;
    private readonly RaftLog _log;
    private readonly Membership _membership;
    private readonly Dictionary<NodeId, Progress> _progress = [];
    private readonly Dictionary<NodeId, Promise> _promises = [];
    private readonly ReadRounds _pendingReads;
    private readonly List<(NodeId From, ReadOnlyMemory<byte> Context)> _readsAwaitingCommit = [];
    private List<IProtocolMessage> _messages = [];
    private List<ReadState> _readStates = [];

    private long _promised;
    private long _persistedBallot; // the ballot written in the hard state (always _promised, but for PromiseBeforePersist)
    private long _match;
    private NodeId _lead;
    private ConsensusRole _role = ConsensusRole.Follower;
    private PaxosHardState _prevHardState;
    private int _electionElapsed;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;
    private long _tick;
    private bool _pendingBroadcast;
    private long _readSeq;

    // Leader only: the slot of the no-op that ends the slots phase 1 proposed again. Every slot chosen before this
    // ballot is below it, so the leader knows the whole chosen log once it commits this slot (every slot from phase 1 on
    // carries this ballot, so the ballot of the commit index cannot tell).
    private long _ownFirstIndex = long.MaxValue;

    public PaxosNode(NodeId id, Membership initialMembership, RecoveredState recovered, Random random, PaxosOptions options)
    {
        if (id.IsNone)
        {
            throw new ArgumentException("A node needs a non-zero id.", nameof(id));
        }

        _pendingReads = new ReadRounds(RespondRead);

        Id = id;
        _options = options;
        _random = random;
        var hardState = PaxosHardState.Decode(recovered.HardState.Span);
        _log = new RaftLog(recovered.Snapshot, recovered.Entries, hardState.Commit);
        _membership = recovered.Snapshot?.Membership ?? initialMembership;
        _promised = hardState.Promised;
        _persistedBallot = _promised;
        _prevHardState = new PaxosHardState(_promised, _log.Committed);
        ResetMatch();
        BecomeFollower(_promised, NodeId.None);
    }

    public NodeId Id { get; }

    public ConsensusStatus Status => new(Id, _role, _promised, _lead, _log.LastIndex, _log.Committed, _log.Applying, _membership);

    public bool HasReady =>
        _messages.Count > 0 || _readStates.Count > 0 || _pendingBroadcast || _log.PendingSnapshot is not null
        || _log.UnstableFrom <= _log.LastIndex || _log.HasNextCommittedEntries || CurrentHardState != _prevHardState;

    // Exposed for tests.
    internal RaftLog Log => _log;

    internal long Promised => _promised;

    internal long Match => _match;

    internal IReadOnlyDictionary<NodeId, Progress> ProgressOf => _progress;

    /// <summary>Starts phase 1 now, as if the election timeout elapsed; for tests.</summary>
    internal void Campaign()
    {
        if (_role != ConsensusRole.Leader && _membership.IsVoter(Id))
        {
            StartPhase1();
        }
    }

    private PaxosHardState CurrentHardState => new(_persistedBallot, _log.Committed);

    private int Quorum => QuorumRule.Majority.Size(_membership.Voters.Count);

    /// <summary>The one node that may lead <paramref name="ballot"/>: voter <c>ballot mod n</c> in id order.</summary>
    internal NodeId OwnerOf(long ballot) => ballot <= 0 ? NodeId.None : _membership.Voters[(int)(ballot % _membership.Voters.Count)];

    /// <summary>This node's smallest ballot above <paramref name="above"/>.</summary>
    internal long NextBallotAbove(long above)
    {
        var n = _membership.Voters.Count;
        var mine = 0;
        while (_membership.Voters[mine] != Id)
        {
            mine++;
        }

        var b = above + 1;
        return b + ((mine - (b % n)) % n + n) % n;
    }

    // ---------------------------------------------------------------- inputs

    public void Tick()
    {
        _tick++;
        if (_role == ConsensusRole.Leader)
        {
            TickLeader();
            return;
        }

        _electionElapsed++;
        if (_membership.IsVoter(Id) && _electionElapsed >= _randomizedElectionTimeout)
        {
            StartPhase1();
        }
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not PaxosMessage m || m.To != Id || m.From == Id || m.Term < 0 || !_membership.Contains(m.From))
        {
            return;
        }

        var fromLeaderOfBallot = m is Prepare or Accept or PaxosHeartbeat or PaxosSnapshot;
        if (fromLeaderOfBallot && OwnerOf(m.Term) != m.From)
        {
            return; // only the owner of a ballot speaks for it
        }

        if (m.Term > _promised)
        {
            // A higher ballot: promise it (Prepare), follow its leader (phase 2), or learn it exists (an answer).
            BecomeFollower(m.Term, m is Prepare || !fromLeaderOfBallot ? NodeId.None : m.From);
        }
        else if (m.Term < _promised)
        {
            if (_options.Fault == PaxosFault.AcceptLowerBallot && m is Accept stale)
            {
                AcceptFromStaleBallot(stale);
                return;
            }

            // Tell a stale proposer about the higher ballot so it gives up its own.
            switch (m)
            {
                case Prepare:
                    Send(new Promise(Id, m.From, _promised, false, _log.Committed, null, []));
                    break;
                case Accept a:
                    Send(new Accepted(Id, m.From, _promised, false, 0, a.PrevIndex));
                    break;
                case PaxosHeartbeat or PaxosSnapshot:
                    Send(new Accepted(Id, m.From, _promised, false, 0, 0));
                    break;
            }

            return;
        }

        switch (m)
        {
            case Prepare p:
                HandlePrepare(p);
                return;
            case Accept a:
                OnLeaderMessage(a.From);
                HandleAccept(a);
                return;
            case PaxosHeartbeat h:
                OnLeaderMessage(h.From);
                HandleHeartbeat(h);
                return;
            case PaxosSnapshot s:
                OnLeaderMessage(s.From);
                HandleSnapshot(s);
                return;
        }

        switch (_role)
        {
            case ConsensusRole.Leader:
                StepLeader(m);
                break;
            case ConsensusRole.ViewChange:
                if (m is Promise { Granted: true } promise)
                {
                    OnPromise(promise);
                }

                break;
            default:
                if (m is PaxosReadResponse r)
                {
                    _readStates.Add(new ReadState(r.Index, r.Context));
                }

                break;
        }
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (_role != ConsensusRole.Leader)
        {
            return ProposeResult.Refused("not the leader", _lead);
        }

        var entry = new LogEntry(_log.LastIndex + 1, _promised, EntryKind.Command, command.ToArray());
        AppendOwn(entry);
        _pendingBroadcast = true;
        return ProposeResult.Ok(entry.Index, entry.Term);
    }

    public ProposeResult ProposeMembershipChange(MembershipChange change) =>
        ProposeResult.Refused("consensus/multi-paxos has a fixed membership (the voters it was created with)", _lead);

    public bool ReadIndex(ReadOnlyMemory<byte> context)
    {
        var copy = context.ToArray();
        if (_role == ConsensusRole.Leader)
        {
            LeaderRead(Id, copy);
            return true;
        }

        if (_role != ConsensusRole.Follower || _lead.IsNone)
        {
            return false;
        }

        Send(new PaxosReadRequest(Id, _lead, _promised, copy));
        return true;
    }

    public bool TransferLeadership(NodeId target) => false;

    public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData)
    {
        if (index <= _log.SnapshotIndex)
        {
            return null;
        }

        if (index > _log.Applying)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A snapshot index must be at most the applied index {_log.Applying}.");
        }

        var snapshot = new Snapshot(index, _log.Term(index), _membership, snapshotData);
        _log.Compact(snapshot);
        return snapshot;
    }

    // ---------------------------------------------------------------- outputs

    public Ready GetReady()
    {
        FlushBroadcast();
        var hardState = CurrentHardState;
        var entries = _log.UnstableEntries();
        var snapshot = _log.PendingSnapshot;
        var ready = new Ready
        {
            HardState = hardState != _prevHardState ? hardState.Encode() : ReadOnlyMemory<byte>.Empty,
            Snapshot = snapshot,
            Entries = entries,
            Messages = _messages.Count > 0 ? _messages : [],
            CommittedEntries = _log.TakeNextCommittedEntries(),
            ReadStates = _readStates.Count > 0 ? _readStates : [],
            MustSync = hardState.Promised != _prevHardState.Promised || entries.Length > 0 || snapshot is not null,
        };
        _prevHardState = hardState;
        _log.SnapshotHandedOut();
        if (_messages.Count > 0)
        {
            _messages = [];
        }

        if (_readStates.Count > 0)
        {
            _readStates = [];
        }

        return ready;
    }

    public void Advance(Ready ready)
    {
        if (ready.Entries.Count > 0)
        {
            var last = ready.Entries[^1];
            _log.StableTo(last.Index, last.Term);
        }

        if (ready.CommittedEntries.Count > 0)
        {
            _log.AppliedTo(ready.CommittedEntries[^1].Index);
        }
    }

    // ---------------------------------------------------------------- roles

    private void BecomeFollower(long ballot, NodeId lead)
    {
        if (ballot != _promised)
        {
            _promised = ballot;
            ResetMatch();
        }

        if (_options.Fault != PaxosFault.PromiseBeforePersist)
        {
            _persistedBallot = _promised;
        }

        _role = ConsensusRole.Follower;
        _lead = lead;
        _promises.Clear();
        ResetLeaderState();
        _electionElapsed = 0;
        ResetRandomizedElectionTimeout();
    }

    private void ResetLeaderState()
    {
        _progress.Clear();
        _pendingReads.Clear();
        _readsAwaitingCommit.Clear();
        _pendingBroadcast = false;
        _heartbeatElapsed = 0;
        _ownFirstIndex = long.MaxValue;
    }

    private void ResetRandomizedElectionTimeout() =>
        _randomizedElectionTimeout = _options.ElectionTimeoutMinTicks + _random.Next(_options.ElectionTimeoutMaxTicks - _options.ElectionTimeoutMinTicks);

    /// <summary>Phase 1a: take a ballot above every one seen, promise it to ourselves, and ask the others.</summary>
    private void StartPhase1()
    {
        var ballot = NextBallotAbove(_promised);
        BecomeFollower(ballot, NodeId.None);
        _persistedBallot = ballot; // our own promise is durable before any Prepare goes out (same Ready)
        _role = ConsensusRole.ViewChange;
        if (_options.Fault == PaxosFault.SkipPhase1 || Quorum == 1)
        {
            BecomeLeader();
            return;
        }

        foreach (var voter in _membership.Voters)
        {
            if (voter != Id)
            {
                Send(new Prepare(Id, voter, ballot, _log.Committed + 1));
            }
        }
    }

    private void OnPromise(Promise p)
    {
        if (p.Snapshot is { } snapshot && snapshot.Index > _log.Committed)
        {
            // The acceptor compacted slots we lack: they are chosen, take them before merging the rest.
            InstallSnapshot(snapshot);
        }

        _promises[p.From] = p;
        var granted = 1;
        foreach (var voter in _membership.Voters)
        {
            if (voter != Id && _promises.ContainsKey(voter))
            {
                granted++;
            }
        }

        if (granted >= Quorum)
        {
            BecomeLeader();
        }
    }

    /// <summary>
    /// Phase 1 done: for every slot after the commit index, the value accepted in the highest ballot among the promises
    /// (ours included), a no-op where none was accepted, then one no-op of this ballot; all proposed again in this ballot.
    /// </summary>
    private void BecomeLeader()
    {
        var ballot = _promised;
        var start = _log.Committed + 1;
        var last = _log.LastIndex;
        foreach (var p in _promises.Values)
        {
            if (p.Entries.Count > 0)
            {
                last = Math.Max(last, p.Entries[^1].Index);
            }
        }

        var merged = new List<LogEntry>((int)Math.Max(1, last - start + 2));
        for (var slot = start; slot <= last; slot++)
        {
            LogEntry? best = slot <= _log.LastIndex ? _log.Entry(slot) : null;
            foreach (var p in _promises.Values)
            {
                if (p.Entries.Count > 0 && slot >= p.Entries[0].Index && slot <= p.Entries[^1].Index)
                {
                    var e = p.Entries[(int)(slot - p.Entries[0].Index)];
                    if (best is not { } b || e.Term > b.Term)
                    {
                        best = e;
                    }
                }
            }

            merged.Add(best is { } chosen
                ? new LogEntry(slot, ballot, chosen.Kind, chosen.Data)
                : new LogEntry(slot, ballot, EntryKind.Noop, ReadOnlyMemory<byte>.Empty));
        }

        merged.Add(new LogEntry(last + 1, ballot, EntryKind.Noop, ReadOnlyMemory<byte>.Empty));
        _promises.Clear();
        _role = ConsensusRole.Leader;
        _lead = Id;
        ResetLeaderState();
        _ownFirstIndex = last + 1;
        _electionElapsed = 0;
        foreach (var voter in _membership.Voters)
        {
            if (voter != Id)
            {
                _progress[voter] = new Progress(start, _options.MaxInflightAccepts) { RecentActive = true };
            }
        }

        _log.Append(merged);
        _match = _log.LastIndex;
        MaybeCommit();
        BroadcastAccept();
    }

    // ---------------------------------------------------------------- acceptor

    private void OnLeaderMessage(NodeId leader)
    {
        if (_role != ConsensusRole.Follower)
        {
            BecomeFollower(_promised, leader); // a candidate of this very ballot cannot exist: the leader owns it
        }

        _lead = leader;
        _electionElapsed = 0;
    }

    private void HandlePrepare(Prepare p)
    {
        // p.Term == _promised here (a higher one was promised on arrival); a duplicate gets the same answer.
        _electionElapsed = 0;
        var from = Math.Max(p.FromSlot, _log.FirstIndex);
        var snapshot = p.FromSlot <= _log.SnapshotIndex ? _log.Snapshot : null;
        var entries = from <= _log.LastIndex ? _log.Slice(from, _log.LastIndex + 1, long.MaxValue, int.MaxValue) : [];
        Send(new Promise(Id, p.From, _promised, true, _log.Committed, snapshot, entries));
    }

    /// <summary>
    /// Phase 2b. Slots up to <see cref="_match"/> are chosen here or accepted in this ballot already; the slots after
    /// PrevIndex are accepted only when PrevIndex is within that prefix, so the prefix grows without holes. Stored
    /// values after the batch are kept (they are accepted values of their own).
    /// </summary>
    private void HandleAccept(Accept a)
    {
        if (a.PrevIndex > _match)
        {
            Send(new Accepted(Id, a.From, _promised, false, _match, a.PrevIndex));
            return;
        }

        var end = a.PrevIndex + a.Entries.Count;
        if (end > _match)
        {
            var skip = (int)(_match - a.PrevIndex);
            var batch = new List<LogEntry>((int)(Math.Max(end, _log.LastIndex) - _match));
            for (var i = skip; i < a.Entries.Count; i++)
            {
                batch.Add(a.Entries[i]);
            }

            for (var i = end + 1; i <= _log.LastIndex; i++)
            {
                batch.Add(_log.Entry(i));
            }

            _log.Append(batch);
            _match = end;
            ExtendMatch();
        }

        _log.CommitTo(Math.Min(a.Commit, _match));
        Send(new Accepted(Id, a.From, _promised, true, _match, 0));
    }

    private void HandleHeartbeat(PaxosHeartbeat h)
    {
        _log.CommitTo(Math.Min(h.Commit, _match));
        Send(new PaxosHeartbeatResponse(Id, h.From, _promised, h.ReadSeq));
    }

    private void HandleSnapshot(PaxosSnapshot s)
    {
        if (s.Snapshot.Index > _log.Committed)
        {
            InstallSnapshot(s.Snapshot);
        }

        Send(new Accepted(Id, s.From, _promised, true, _match, 0));
    }

    private void InstallSnapshot(Snapshot snapshot)
    {
        _log.InstallKeepingLaterEntries(snapshot);
        _match = Math.Max(_match, _log.Committed);
        ExtendMatch();
    }

    /// <summary>The broken variant's acceptor: takes a stale leader's values as if it had promised nothing higher.</summary>
    private void AcceptFromStaleBallot(Accept a)
    {
        if (a.PrevIndex > _log.LastIndex || a.PrevIndex < _log.Committed)
        {
            return;
        }

        var end = a.PrevIndex + a.Entries.Count;
        var batch = new List<LogEntry>(a.Entries);
        for (var i = end + 1; i <= _log.LastIndex; i++)
        {
            batch.Add(_log.Entry(i));
        }

        _log.Append(batch);
        ResetMatch();
        Send(new Accepted(Id, a.From, a.Term, true, end, 0));
    }

    /// <summary>The prefix known chosen or accepted in the promised ballot: from the commit index, while the ballot matches.</summary>
    private void ResetMatch()
    {
        _match = _log.Committed;
        ExtendMatch();
    }

    private void ExtendMatch()
    {
        while (_match < _log.LastIndex && _log.Term(_match + 1) == _promised)
        {
            _match++;
        }
    }

    // ---------------------------------------------------------------- leader

    private void TickLeader()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_electionElapsed >= _options.ElectionTimeoutMinTicks)
        {
            _electionElapsed = 0;
            if (_options.CheckQuorum && !QuorumActive())
            {
                BecomeFollower(_promised, NodeId.None);
                return;
            }
        }

        if (_heartbeatElapsed >= _options.HeartbeatIntervalTicks)
        {
            _heartbeatElapsed = 0;
            BroadcastHeartbeat();
        }
    }

    private bool QuorumActive()
    {
        var active = 1;
        foreach (var pr in _progress.Values)
        {
            if (pr.RecentActive)
            {
                active++;
            }

            pr.RecentActive = false;
        }

        return active >= Quorum;
    }

    private void StepLeader(PaxosMessage m)
    {
        if (m is PaxosReadRequest read)
        {
            LeaderRead(read.From, read.Context);
            return;
        }

        if (!_progress.TryGetValue(m.From, out var pr))
        {
            return;
        }

        switch (m)
        {
            case Accepted { Ok: false } a:
                pr.RecentActive = true;
                if (pr.MaybeDecrTo(a.Rejected, a.Match))
                {
                    if (pr.State == ProgressState.Replicate)
                    {
                        pr.BecomeProbe();
                    }

                    MaybeSendAccept(a.From, sendIfEmpty: true);
                }

                break;
            case Accepted a:
                pr.RecentActive = true;
                OnAcknowledged(pr, a.From, a.Match);
                break;
            case PaxosHeartbeatResponse h:
                pr.HeartbeatAnswered(_tick, _options.ElectionTimeoutMinTicks);

                if (pr.Match < _log.LastIndex)
                {
                    MaybeSendAccept(h.From, sendIfEmpty: true);
                }

                if (h.ReadSeq > pr.AckedReadSeq)
                {
                    pr.AckedReadSeq = h.ReadSeq;
                    ProcessReadAcks();
                }

                break;
        }
    }

    private void OnAcknowledged(Progress pr, NodeId from, long match)
    {
        var updated = pr.MaybeUpdate(match);
        if (!updated && !(pr.Match == match && pr.State != ProgressState.Replicate))
        {
            return;
        }

        pr.Acknowledged(match, _log.FirstIndex);

        if (MaybeCommit())
        {
            BroadcastAccept();
        }
        else if (pr.CanBumpCommit(_log.Committed))
        {
            MaybeSendAccept(from, sendIfEmpty: true);
        }

        while (_role == ConsensusRole.Leader && MaybeSendAccept(from, sendIfEmpty: false))
        {
        }
    }

    private void AppendOwn(in LogEntry entry)
    {
        _log.Append(entry);
        _match = _log.LastIndex;
        if (Quorum == 1)
        {
            MaybeCommit();
        }
    }

    /// <summary>Commits the slots a quorum holds chosen or accepted in this ballot.</summary>
    private bool MaybeCommit()
    {
        var voters = _membership.Voters;
        Span<long> matches = voters.Count <= 16 ? stackalloc long[voters.Count] : new long[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            matches[i] = voters[i] == Id ? _log.LastIndex : _progress.TryGetValue(voters[i], out var pr) ? pr.Match : 0;
        }

        var index = QuorumIndex.Of(matches, Quorum);
        if (index <= _log.Committed)
        {
            return false;
        }

        _log.CommitTo(index);
        if (_readsAwaitingCommit.Count > 0 && _log.Committed >= _ownFirstIndex)
        {
            var waiting = _readsAwaitingCommit.ToArray();
            _readsAwaitingCommit.Clear();
            foreach (var (from, context) in waiting)
            {
                LeaderRead(from, context);
            }
        }

        return true;
    }

    private void FlushBroadcast()
    {
        if (_pendingBroadcast)
        {
            _pendingBroadcast = false;
            if (_role == ConsensusRole.Leader)
            {
                foreach (var id in _progress.Keys)
                {
                    while (MaybeSendAccept(id, sendIfEmpty: false))
                    {
                    }
                }
            }
        }
    }

    private void BroadcastAccept()
    {
        _pendingBroadcast = false;
        foreach (var id in _progress.Keys)
        {
            if (MaybeSendAccept(id, sendIfEmpty: true))
            {
                while (MaybeSendAccept(id, sendIfEmpty: false))
                {
                }
            }
        }
    }

    /// <summary>Sends one accept (or the snapshot) to <paramref name="to"/> if flow control allows; false when nothing was sent.</summary>
    private bool MaybeSendAccept(NodeId to, bool sendIfEmpty)
    {
        var pr = _progress[to];
        if (pr.IsPaused)
        {
            return false;
        }

        var prevIndex = pr.Next - 1;
        if (prevIndex < _log.SnapshotIndex)
        {
            Send(new PaxosSnapshot(Id, to, _promised, _log.Snapshot!));
            pr.BecomeSnapshot(_log.SnapshotIndex, _tick);
            return true;
        }

        var entries = pr.Next <= _log.LastIndex
            ? _log.Slice(pr.Next, _log.LastIndex + 1, _options.MaxBytesPerMessage, _options.MaxBatchEntries)
            : [];
        if (entries.Length == 0 && !sendIfEmpty)
        {
            return false;
        }

        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Term != _promised)
            {
                // A slot this leader knows chosen from before its ballot: proposed again in its ballot, with the chosen value.
                entries[i] = entries[i] with { Term = _promised };
            }
        }

        Send(new Accept(Id, to, _promised, prevIndex, _log.Committed, entries));
        pr.SentCommit = _log.Committed;
        pr.SentEntries(entries.Length, entries.Length > 0 ? entries[^1].Index : prevIndex);
        return true;
    }

    private long BroadcastHeartbeat()
    {
        _readSeq++;
        foreach (var (id, pr) in _progress)
        {
            var commit = Math.Min(pr.Match, _log.Committed);
            pr.SentCommit = Math.Max(pr.SentCommit, commit);
            Send(new PaxosHeartbeat(Id, id, _promised, commit, _readSeq));
        }

        return _readSeq;
    }

    // ---------------------------------------------------------------- reads

    private void LeaderRead(NodeId from, ReadOnlyMemory<byte> context)
    {
        if (_log.Committed < _ownFirstIndex)
        {
            // Until its own first no-op is chosen the leader does not know every chosen slot.
            _readsAwaitingCommit.Add((from, context));
            return;
        }

        if (Quorum == 1)
        {
            RespondRead(from, _log.Committed, context);
            return;
        }

        var seq = BroadcastHeartbeat();
        _pendingReads.Add(seq, _log.Committed, from, context);
    }

    private void RespondRead(NodeId from, long index, ReadOnlyMemory<byte> context)
    {
        if (from == Id)
        {
            _readStates.Add(new ReadState(index, context));
        }
        else
        {
            Send(new PaxosReadResponse(Id, from, _promised, index, context));
        }
    }

    /// <summary>Releases the reads whose heartbeat round a quorum answered in this ballot.</summary>
    private void ProcessReadAcks()
    {
        var confirmed = ReadRounds.Confirmed(_membership.Voters, Id, _readSeq, _progress, Quorum);
        _pendingReads.Release(confirmed);
    }

    private void Send(PaxosMessage message) => _messages.Add(message);

    public override string ToString() => $"{Id} {_role} ballot={_promised} lead={_lead} last={_log.LastIndex} commit={_log.Committed} match={_match}";
}
