using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Common;

namespace UltimateConsensus.Raft;

/// <summary>
/// A Raft node as a pure, deterministic state machine, after etcd-io/raft (raft.go, rawnode.go, log.go, tracker):
/// inputs are <see cref="Tick"/>, <see cref="Step"/>, <see cref="Propose"/>, <see cref="ReadIndex"/> and friends; outputs are
/// collected in a <see cref="Ready"/>. No threads, clock, I/O or randomness other than the seeded <see cref="Random"/> given.
/// </summary>
/// <remarks>
/// Persistence before acknowledgement: every message is queued in the same <see cref="Ready"/> as (or a later one than) the
/// hard state and entries it depends on, and the runtime persists a Ready before sending its messages.
/// Membership follows the thesis' single-server scheme: a configuration takes effect as soon as its entry is appended.
/// </remarks>
internal sealed class RaftNode : IConsensusNode
{
    private readonly RaftOptions _options;
    private readonly Random _random;
    private readonly Membership _initialMembership;
    private readonly RaftLog _log;
    private readonly Dictionary<NodeId, Progress> _progress = [];
    private readonly Dictionary<NodeId, bool> _votes = [];
    private readonly ReadRounds _pendingReads;
    private readonly List<(NodeId From, ReadOnlyMemory<byte> Context)> _readsAwaitingCommit = [];
    private readonly Dictionary<long, long> _roundSentTick = [];
    private List<IProtocolMessage> _messages = [];
    private List<ReadState> _readStates = [];

    private long _term;
    private NodeId _vote;
    private NodeId _lead;
    private ConsensusRole _state = ConsensusRole.Follower;
    private HardState _prevHardState;
    private Membership _membership;
    private long _configIndex;
    private long _pendingConfIndex;
    private NodeId _leadTransferee;
    private int _electionElapsed;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;
    private long _tick;
    private bool _pendingBroadcast;
    private long _readSeq;
    private long _leaseStartTick = long.MinValue;
    private bool _leaseRevoked;

    // Leader only: payload bytes of the entries after the commit index (etcd's uncommittedSize), bounded by maxUncommittedBytes.
    private long _uncommittedBytes;

    public RaftNode(NodeId id, Membership initialMembership, RecoveredState recovered, Random random, RaftOptions options)
    {
        if (id.IsNone)
        {
            throw new ArgumentException("A node needs a non-zero id.", nameof(id));
        }

        _pendingReads = new ReadRounds(RespondRead);

        Id = id;
        _options = options;
        _random = random;
        _initialMembership = initialMembership;
        var hardState = HardState.Decode(recovered.HardState.Span);
        _log = new RaftLog(recovered.Snapshot, recovered.Entries, hardState.Commit);
        _term = hardState.Term;
        _vote = hardState.Vote;
        _prevHardState = new HardState(_term, _vote, _log.Committed);
        _membership = initialMembership;
        RecomputeMembership();
        BecomeFollower(_term, NodeId.None);
    }

    public NodeId Id { get; }

    public ConsensusStatus Status => new(
        Id,
        _state == ConsensusRole.Follower && _membership.Learners.Contains(Id) ? ConsensusRole.Learner : _state,
        _term,
        _lead,
        _log.LastIndex,
        _log.Committed,
        _log.Applying,
        _membership);

    public bool HasReady =>
        _messages.Count > 0 || _readStates.Count > 0 || _pendingBroadcast || _log.PendingSnapshot is not null
        || _log.UnstableFrom <= _log.LastIndex || _log.HasNextCommittedEntries || CurrentHardState != _prevHardState;

    // Exposed for tests and invariant checks.
    internal RaftLog Log => _log;

    internal long Term => _term;

    internal NodeId Vote => _vote;

    internal NodeId LeadTransferee => _leadTransferee;

    internal int RandomizedElectionTimeout => _randomizedElectionTimeout;

    internal IReadOnlyDictionary<NodeId, Progress> ProgressOf => _progress;

    /// <summary>A leader's count of the payload bytes appended but not committed (0 on other nodes).</summary>
    internal long UncommittedBytes => _uncommittedBytes;

    /// <summary>Starts a campaign now, as if the election timeout elapsed (etcd's MsgHup); for tests.</summary>
    internal void Hup()
    {
        if (_state != ConsensusRole.Leader && Promotable)
        {
            Campaign(_options.PreVote, transfer: false);
        }
    }

    private HardState CurrentHardState => new(_term, _vote, _log.Committed);

    private bool Promotable => _membership.IsVoter(Id);

    // ---------------------------------------------------------------- inputs

    public void Tick()
    {
        _tick++;
        if (_state == ConsensusRole.Leader)
        {
            TickHeartbeat();
        }
        else
        {
            TickElection();
        }
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not RaftMessage m || m.To != Id || m.From == Id || m.Term < 0)
        {
            return;
        }

        if (m.Term > _term)
        {
            if (m is VoteRequest vote && !vote.Transfer && InLease())
            {
                // Leader stickiness: we heard from a live leader within the election timeout, so a (pre)vote is disruptive.
                return;
            }

            switch (m)
            {
                case VoteRequest { PreVote: true }:
                    break; // a pre-vote never changes our term
                case VoteResponse { PreVote: true, Granted: true }:
                    break; // granted pre-votes carry the future term; we move on winning
                case AppendRequest or Heartbeat or InstallSnapshot:
                    BecomeFollower(m.Term, m.From);
                    break;
                default:
                    BecomeFollower(m.Term, NodeId.None);
                    break;
            }
        }
        else if (m.Term < _term)
        {
            if ((_options.CheckQuorum || _options.PreVote) && m is AppendRequest or Heartbeat)
            {
                // Tell a stale leader about the newer term so it steps down (it may have been partitioned away).
                Send(new AppendResponse(Id, m.From, _term, false, 0, 0, 0));
            }
            else if (m is VoteRequest { PreVote: true })
            {
                Send(new VoteResponse(Id, m.From, _term, true, false));
            }

            return;
        }

        if (m is VoteRequest request)
        {
            HandleVoteRequest(request);
            return;
        }

        switch (_state)
        {
            case ConsensusRole.Leader:
                StepLeader(m);
                break;
            case ConsensusRole.Candidate:
            case ConsensusRole.PreCandidate:
                StepCandidate(m);
                break;
            default:
                StepFollower(m);
                break;
        }
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (RefuseProposal() is { } refused)
        {
            return refused;
        }

        if (ReserveUncommitted(command.Length) is { } full)
        {
            return full;
        }

        var entry = new LogEntry(_log.LastIndex + 1, _term, EntryKind.Command, command.ToArray());
        AppendEntry(entry);
        _pendingBroadcast = true;
        return ProposeResult.Ok(entry.Index, entry.Term);
    }

    public ProposeResult ProposeMembershipChange(MembershipChange change)
    {
        if (RefuseProposal() is { } refused)
        {
            return refused;
        }

        if (_pendingConfIndex > _log.Committed)
        {
            return ProposeResult.Refused($"a membership change (or this leader's first entry) at index {_pendingConfIndex} is not committed yet", Id);
        }

        var m = _membership;
        Membership next;
        switch (change.Kind)
        {
            case MembershipChangeKind.AddLearner:
                if (m.Contains(change.Node))
                {
                    return ProposeResult.Refused($"{change.Node} is already a member", Id);
                }

                next = new Membership(m.Voters, m.Learners.Append(change.Node));
                break;
            case MembershipChangeKind.AddVoter:
                if (m.IsVoter(change.Node))
                {
                    return ProposeResult.Refused($"{change.Node} is already a voter", Id);
                }

                if (!m.Contains(change.Node))
                {
                    return ProposeResult.Refused($"{change.Node} is not a member: add it as a learner first, then promote it once it has caught up", Id);
                }

                var pr = _progress[change.Node];
                if (pr.Match + _options.LearnerCatchUpEntries < _log.LastIndex)
                {
                    return ProposeResult.Refused(
                        $"learner {change.Node} has not caught up (match {pr.Match}, last index {_log.LastIndex}, allowed lag {_options.LearnerCatchUpEntries}); retry later",
                        Id);
                }

                next = new Membership(m.Voters.Append(change.Node), m.Learners.Where(l => l != change.Node));
                break;
            case MembershipChangeKind.Remove:
                if (!m.Contains(change.Node))
                {
                    return ProposeResult.Refused($"{change.Node} is not a member", Id);
                }

                if (m.IsVoter(change.Node) && m.Voters.Count == 1)
                {
                    return ProposeResult.Refused($"{change.Node} is the last voter", Id);
                }

                next = new Membership(m.Voters.Where(v => v != change.Node), m.Learners.Where(l => l != change.Node));
                break;
            default:
                return ProposeResult.Refused($"unknown membership change {change.Kind}", Id);
        }

        var data = next.Encode();
        if (ReserveUncommitted(data.Length) is { } full)
        {
            return full;
        }

        var entry = new LogEntry(_log.LastIndex + 1, _term, EntryKind.Membership, data);
        _pendingConfIndex = entry.Index;
        AppendEntry(entry);
        ApplyMembership(next, entry.Index);
        _pendingBroadcast = true;
        return ProposeResult.Ok(entry.Index, entry.Term);
    }

    public bool ReadIndex(ReadOnlyMemory<byte> context)
    {
        var copy = context.ToArray();
        if (_state == ConsensusRole.Leader)
        {
            LeaderRead(Id, copy);
            return true;
        }

        if (_state != ConsensusRole.Follower || _lead.IsNone)
        {
            return false;
        }

        Send(new ReadIndexRequest(Id, _lead, _term, copy));
        return true;
    }

    public bool TransferLeadership(NodeId target)
    {
        if (_state != ConsensusRole.Leader || target == Id || !_membership.IsVoter(target) || !_progress.TryGetValue(target, out var pr))
        {
            return false;
        }

        if (_leadTransferee == target)
        {
            return true;
        }

        _leadTransferee = target;
        _electionElapsed = 0; // the transfer must finish within an election timeout
        if (pr.Match == _log.LastIndex)
        {
            SendTimeoutNow(target);
        }
        else
        {
            MaybeSendAppend(target, sendIfEmpty: true);
        }

        return true;
    }

    public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData)
    {
        if (index <= _log.SnapshotIndex)
        {
            return null;
        }

        var snapshot = CreateSnapshot(index, snapshotData);
        _log.Compact(snapshot);
        return snapshot;
    }

    /// <summary>
    /// The snapshot record (term and membership at <paramref name="index"/>) for state-machine data taken at an applied index,
    /// as <see cref="Compact"/> returns it for the runtime to persist.
    /// </summary>
    internal Snapshot CreateSnapshot(long index, ReadOnlyMemory<byte> data)
    {
        if (index > _log.Applying || index < _log.SnapshotIndex)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A snapshot index must be between the current snapshot {_log.SnapshotIndex} and the applied index {_log.Applying}.");
        }

        return new Snapshot(index, _log.Term(index), MembershipAt(index), data);
    }

    // ---------------------------------------------------------------- outputs

    /// <summary>Voters needed for a quorum of the membership in force (a majority: Raft's rule).</summary>
    private int Quorum => QuorumRule.Majority.Size(_membership.Voters.Count);

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
            CommittedEntries = _log.TakeNextCommittedEntries(_options.MaxCommittedBytesPerReady),
            ReadStates = _readStates.Count > 0 ? _readStates : [],
            MustSync = hardState.Term != _prevHardState.Term || hardState.Vote != _prevHardState.Vote || entries.Length > 0 || snapshot is not null,

            // A leader's appends and heartbeats go out while it writes the entries itself (etcd's leader does so too): they
            // promise nothing about its own log, and it counts its own copy toward a commit only for acknowledgements it
            // steps after this batch is durable. Not when its term or vote is still to be written, nor with a snapshot.
            SendBeforePersist = _state == ConsensusRole.Leader && _messages.Count > 0 && snapshot is null
                && hardState.Term == _prevHardState.Term && hardState.Vote == _prevHardState.Vote,
        };
        _prevHardState = hardState;
        _log.SnapshotHandedOut();
        if (_messages.Count > 0)
        {
            _messages = []; // the Ready keeps the handed-out list
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

    private void Reset(long term)
    {
        if (term != _term)
        {
            _term = term;
            _vote = NodeId.None;
        }

        _lead = NodeId.None;
        _electionElapsed = 0;
        _heartbeatElapsed = 0;
        ResetRandomizedElectionTimeout();
        _leadTransferee = NodeId.None;
        _votes.Clear();
        _progress.Clear();
        _pendingReads.Clear();
        _readsAwaitingCommit.Clear();
        _roundSentTick.Clear();
        _leaseStartTick = long.MinValue;
        _leaseRevoked = false;
        _pendingBroadcast = false;
        _uncommittedBytes = 0;
    }

    private void ResetRandomizedElectionTimeout() =>
        _randomizedElectionTimeout = _options.ElectionTimeoutMinTicks + _random.Next(_options.ElectionTimeoutMaxTicks - _options.ElectionTimeoutMinTicks);

    private void BecomeFollower(long term, NodeId lead)
    {
        Reset(term);
        _lead = lead;
        _state = ConsensusRole.Follower;
    }

    private void BecomePreCandidate()
    {
        // Neither term nor vote change: a pre-vote round must not disturb anyone.
        _votes.Clear();
        _lead = NodeId.None;
        _electionElapsed = 0;
        ResetRandomizedElectionTimeout();
        _state = ConsensusRole.PreCandidate;
    }

    private void BecomeCandidate()
    {
        Reset(_term + 1);
        _vote = Id;
        _state = ConsensusRole.Candidate;
    }

    private void BecomeLeader()
    {
        Reset(_term);
        _lead = Id;
        _state = ConsensusRole.Leader;
        foreach (var member in _membership.All.Append(Id).Distinct())
        {
            _progress[member] = new Progress(_log.LastIndex + 1, _options.MaxInflightAppends) { RecentActive = true };
        }

        _progress[Id].BecomeReplicate();

        // Entries of earlier terms after the commit index will be committed by this leader: they count as uncommitted.
        _uncommittedBytes = _log.PayloadBytes(_log.Committed + 1, _log.LastIndex + 1);

        // A leader appends an empty entry of its term: committing it commits everything before it (Figure 8), and no
        // membership change may be proposed until it is committed (the thesis' single-server change fix).
        var noop = new LogEntry(_log.LastIndex + 1, _term, EntryKind.Noop, ReadOnlyMemory<byte>.Empty);
        _pendingConfIndex = noop.Index;
        AppendEntry(noop);
        BroadcastAppend();
    }

    private void Campaign(bool preVote, bool transfer)
    {
        long voteTerm;
        if (preVote)
        {
            BecomePreCandidate();
            voteTerm = _term + 1;
        }
        else
        {
            BecomeCandidate();
            voteTerm = _term;
        }

        if (Poll(Id, true) == VoteResult.Won)
        {
            if (preVote)
            {
                Campaign(preVote: false, transfer: false);
            }
            else
            {
                BecomeLeader();
            }

            return;
        }

        foreach (var voter in _membership.Voters)
        {
            if (voter != Id)
            {
                Send(new VoteRequest(Id, voter, voteTerm, _log.LastIndex, _log.LastTerm, preVote, transfer));
            }
        }
    }

    private enum VoteResult
    {
        Pending,
        Won,
        Lost,
    }

    private VoteResult Poll(NodeId from, bool granted)
    {
        _votes.TryAdd(from, granted);
        var yes = 0;
        var no = 0;
        foreach (var voter in _membership.Voters)
        {
            if (_votes.TryGetValue(voter, out var g))
            {
                if (g)
                {
                    yes++;
                }
                else
                {
                    no++;
                }
            }
        }

        var quorum = Quorum;
        return yes >= quorum ? VoteResult.Won : no > _membership.Voters.Count - quorum ? VoteResult.Lost : VoteResult.Pending;
    }

    private bool InLease()
    {
        if (!_options.CheckQuorum && !_options.PreVote)
        {
            return false;
        }

        // With lease reads a restarted voter also waits an election timeout before voting: it may have acknowledged a
        // leader's lease just before crashing.
        if (_options.LeaseReads && _tick < _options.ElectionTimeoutMinTicks)
        {
            return true;
        }

        return !_lead.IsNone && _electionElapsed < _options.ElectionTimeoutMinTicks;
    }

    // ---------------------------------------------------------------- ticks

    private void TickElection()
    {
        _electionElapsed++;
        if (Promotable && _electionElapsed >= _randomizedElectionTimeout)
        {
            _electionElapsed = 0;
            Campaign(_options.PreVote, transfer: false);
        }
    }

    private void TickHeartbeat()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_electionElapsed >= _options.ElectionTimeoutMinTicks)
        {
            _electionElapsed = 0;
            if (_options.CheckQuorum && !QuorumActive())
            {
                BecomeFollower(_term, NodeId.None);
                return;
            }

            _leadTransferee = NodeId.None; // a transfer that did not finish within an election timeout is abandoned
        }

        if (_heartbeatElapsed >= _options.HeartbeatIntervalTicks)
        {
            _heartbeatElapsed = 0;
            BroadcastHeartbeat();
        }
    }

    /// <summary>True when a quorum of voters was heard from since the last check; clears the marks.</summary>
    private bool QuorumActive()
    {
        var active = 0;
        foreach (var voter in _membership.Voters)
        {
            if (voter == Id || (_progress.TryGetValue(voter, out var pr) && pr.RecentActive))
            {
                active++;
            }
        }

        foreach (var (id, pr) in _progress)
        {
            pr.RecentActive = id == Id;
        }

        return active >= Quorum;
    }

    // ---------------------------------------------------------------- votes

    private void HandleVoteRequest(VoteRequest m)
    {
        var canVote = _vote == m.From || (_vote.IsNone && _lead.IsNone) || (m.PreVote && m.Term > _term);
        if (canVote && _log.IsUpToDate(m.LastLogIndex, m.LastLogTerm))
        {
            Send(new VoteResponse(Id, m.From, m.Term, m.PreVote, true));
            if (!m.PreVote)
            {
                _electionElapsed = 0;
                _vote = m.From;
            }
        }
        else
        {
            Send(new VoteResponse(Id, m.From, _term, m.PreVote, false));
        }
    }

    private void StepCandidate(RaftMessage m)
    {
        switch (m)
        {
            case AppendRequest a:
                BecomeFollower(m.Term, m.From);
                HandleAppend(a);
                break;
            case Heartbeat h:
                BecomeFollower(m.Term, m.From);
                HandleHeartbeat(h);
                break;
            case InstallSnapshot s:
                BecomeFollower(m.Term, m.From);
                HandleSnapshot(s);
                break;
            case VoteResponse v when v.PreVote == (_state == ConsensusRole.PreCandidate):
                switch (Poll(v.From, v.Granted))
                {
                    case VoteResult.Won when _state == ConsensusRole.PreCandidate:
                        Campaign(preVote: false, transfer: false);
                        break;
                    case VoteResult.Won:
                        BecomeLeader();
                        break;
                    case VoteResult.Lost:
                        BecomeFollower(_term, NodeId.None);
                        break;
                }

                break;
        }
    }

    // ---------------------------------------------------------------- follower

    private void StepFollower(RaftMessage m)
    {
        switch (m)
        {
            case AppendRequest a:
                _electionElapsed = 0;
                _lead = m.From;
                HandleAppend(a);
                break;
            case Heartbeat h:
                _electionElapsed = 0;
                _lead = m.From;
                HandleHeartbeat(h);
                break;
            case InstallSnapshot s:
                _electionElapsed = 0;
                _lead = m.From;
                HandleSnapshot(s);
                break;
            case TimeoutNow:
                if (Promotable)
                {
                    Campaign(preVote: false, transfer: true);
                }

                break;
            case ReadIndexResponse r:
                _readStates.Add(new ReadState(r.Index, r.Context));
                break;
        }
    }

    private void HandleAppend(AppendRequest m)
    {
        var prevIndex = m.PrevLogIndex;
        var prevTerm = m.PrevLogTerm;
        IReadOnlyList<LogEntry> entries = m.Entries;
        if (prevIndex < _log.Committed)
        {
            // Entries up to our commit index are ours already (committed entries are in every later leader's log).
            var skip = (int)Math.Min(_log.Committed - prevIndex, entries.Count);
            if (skip == entries.Count)
            {
                Send(new AppendResponse(Id, m.From, _term, true, _log.Committed, 0, 0));
                return;
            }

            entries = entries.Skip(skip).ToArray();
            prevIndex = _log.Committed;
            prevTerm = _log.Term(prevIndex);
        }

        var configIndex = _configIndex;
        var lastNew = _log.MaybeAppend(prevIndex, prevTerm, m.Commit, entries, out var appendedFrom);
        if (lastNew is { } last)
        {
            // A configuration takes effect when appended, and is undone when its entry is replaced.
            if (appendedFrom != 0 && (appendedFrom <= configIndex || entries.Any(e => e.Kind == EntryKind.Membership)))
            {
                RecomputeMembership();
            }

            Send(new AppendResponse(Id, m.From, _term, true, last, 0, 0));
        }
        else
        {
            var (hintIndex, hintTerm) = _log.FindConflictByTerm(Math.Min(prevIndex, _log.LastIndex), prevTerm);
            Send(new AppendResponse(Id, m.From, _term, false, prevIndex, hintIndex, hintTerm));
        }
    }

    private void HandleHeartbeat(Heartbeat m)
    {
        _log.CommitTo(Math.Min(m.Commit, _log.LastIndex));
        Send(new HeartbeatResponse(Id, m.From, _term, m.ReadSeq));
    }

    private void HandleSnapshot(InstallSnapshot m)
    {
        var s = m.Snapshot;
        if (s.Index > _log.Committed)
        {
            if (_log.MatchTerm(s.Index, s.Term))
            {
                _log.CommitTo(s.Index); // we hold the snapshot's entries already: fast-forward the commit index
            }
            else
            {
                _log.Restore(s);
                _membership = s.Membership;
                _configIndex = s.Index;
            }
        }

        Send(new InstallSnapshotResponse(Id, m.From, _term, _log.Committed));
    }

    // ---------------------------------------------------------------- leader

    private void StepLeader(RaftMessage m)
    {
        if (m is ReadIndexRequest read)
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
            case AppendResponse a:
                pr.RecentActive = true;
                if (!a.Success)
                {
                    var nextProbe = a.HintIndex;
                    if (a.HintTerm > 0)
                    {
                        nextProbe = _log.FindConflictByTerm(a.HintIndex, a.HintTerm).Index;
                    }

                    if (pr.MaybeDecrTo(a.Index, nextProbe))
                    {
                        if (pr.State == ProgressState.Replicate)
                        {
                            pr.BecomeProbe();
                        }

                        MaybeSendAppend(a.From, sendIfEmpty: true);
                    }

                    break;
                }

                OnAcknowledged(pr, a.From, a.Index);
                break;
            case HeartbeatResponse h:
                pr.HeartbeatAnswered(_tick, _options.ElectionTimeoutMinTicks);

                if (pr.Match < _log.LastIndex)
                {
                    MaybeSendAppend(h.From, sendIfEmpty: true);
                }

                if (h.ReadSeq > pr.AckedReadSeq)
                {
                    pr.AckedReadSeq = h.ReadSeq;
                    ProcessReadAcks();
                }

                break;
            case InstallSnapshotResponse s:
                pr.RecentActive = true;
                if (pr.State == ProgressState.Snapshot)
                {
                    pr.MaybeUpdate(s.LastIndex);
                    pr.BecomeProbe();
                    MaybeSendAppend(s.From, sendIfEmpty: true);
                }

                break;
        }
    }

    private void OnAcknowledged(Progress pr, NodeId from, long index)
    {
        if (!pr.MaybeUpdate(index) && !(pr.Match == index && pr.State == ProgressState.Probe))
        {
            return;
        }

        pr.Acknowledged(index, _log.FirstIndex);

        if (MaybeCommit())
        {
            BroadcastAppend();
        }
        else if (pr.CanBumpCommit(_log.Committed))
        {
            MaybeSendAppend(from, sendIfEmpty: true); // tell it the commit index it has not heard yet
        }

        while (_state == ConsensusRole.Leader && _progress.ContainsKey(from) && MaybeSendAppend(from, sendIfEmpty: false))
        {
        }

        if (from == _leadTransferee && pr.Match == _log.LastIndex)
        {
            SendTimeoutNow(from);
        }
    }

    private ProposeResult? RefuseProposal()
    {
        if (_state != ConsensusRole.Leader)
        {
            return ProposeResult.Refused("not the leader", _lead);
        }

        if (!_leadTransferee.IsNone)
        {
            return ProposeResult.Refused($"leadership is being transferred to {_leadTransferee}", _leadTransferee);
        }

        if (!_membership.Contains(Id))
        {
            return ProposeResult.Refused("this leader has been removed from the cluster", NodeId.None);
        }

        return null;
    }

    /// <summary>
    /// Counts a proposal of <paramref name="payloadBytes"/> into the uncommitted tail, or returns its refusal when it would
    /// take the tail past maxUncommittedBytes. As in etcd, an empty entry and a proposal made when nothing is uncommitted
    /// always pass.
    /// </summary>
    private ProposeResult? ReserveUncommitted(int payloadBytes)
    {
        if (_uncommittedBytes > 0 && payloadBytes > 0 && _uncommittedBytes + payloadBytes > _options.MaxUncommittedBytes)
        {
            return ProposeResult.Refused(
                $"too much uncommitted: {_uncommittedBytes} payload bytes are appended but not committed and {payloadBytes} more would pass maxUncommittedBytes ({_options.MaxUncommittedBytes}); retry once the followers catch up",
                Id);
        }

        _uncommittedBytes += payloadBytes;
        return null;
    }

    /// <summary>Appends a leader's own entry at the end of its log.</summary>
    private void AppendEntry(in LogEntry entry)
    {
        _log.Append(entry);
        _progress[Id].MaybeUpdate(_log.LastIndex);

        // Only this node's match moved: that moves the quorum's match index only when this node alone is a quorum.
        if (Quorum == 1)
        {
            MaybeCommit();
        }
    }

    /// <summary>Advances the commit index to the quorum's match index if that entry is of this term (Figure 8).</summary>
    private bool MaybeCommit()
    {
        var voters = _membership.Voters;
        if (voters.Count == 0)
        {
            return false;
        }

        Span<long> matches = voters.Count <= 16 ? stackalloc long[voters.Count] : new long[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            matches[i] = voters[i] == Id ? _log.LastIndex : _progress.TryGetValue(voters[i], out var pr) ? pr.Match : 0;
        }

        var quorumIndex = QuorumIndex.Of(matches, Quorum);
        var before = _log.Committed;
        if (!_log.MaybeCommit(quorumIndex, _term))
        {
            return false;
        }

        // etcd shrinks its count as entries are applied; counting at commit is as safe and frees room sooner.
        _uncommittedBytes = Math.Max(0, _uncommittedBytes - _log.PayloadBytes(before + 1, _log.Committed + 1));
        OnCommitAdvanced();
        return true;
    }

    private void OnCommitAdvanced()
    {
        if (_readsAwaitingCommit.Count > 0 && _log.Term(_log.Committed) == _term)
        {
            var waiting = _readsAwaitingCommit.ToArray();
            _readsAwaitingCommit.Clear();
            foreach (var (from, context) in waiting)
            {
                LeaderRead(from, context);
            }
        }

        if (!_membership.IsVoter(Id) && _log.Committed >= _configIndex)
        {
            // Removed (or demoted) leader: it led until the change committed, now it steps down (thesis §4.2.2).
            BecomeFollower(_term, NodeId.None);
        }
    }

    private void FlushBroadcast()
    {
        if (_pendingBroadcast)
        {
            _pendingBroadcast = false;
            if (_state == ConsensusRole.Leader)
            {
                foreach (var id in _progress.Keys)
                {
                    if (id != Id)
                    {
                        while (MaybeSendAppend(id, sendIfEmpty: false))
                        {
                        }
                    }
                }
            }
        }
    }

    private void BroadcastAppend()
    {
        _pendingBroadcast = false;
        foreach (var id in _progress.Keys)
        {
            // Sending never adds or removes a progress: the dictionary can be walked as it is.
            if (id != Id && MaybeSendAppend(id, sendIfEmpty: true))
            {
                while (MaybeSendAppend(id, sendIfEmpty: false))
                {
                }
            }
        }
    }

    /// <summary>Sends one append (or snapshot) to <paramref name="to"/> if flow control allows; false when nothing was sent.</summary>
    private bool MaybeSendAppend(NodeId to, bool sendIfEmpty)
    {
        var pr = _progress[to];
        if (pr.IsPaused)
        {
            return false;
        }

        var prevIndex = pr.Next - 1;
        var prevTerm = _log.Term(prevIndex);
        if (prevTerm < 0)
        {
            if (_log.Snapshot is not { } snapshot)
            {
                throw new InvalidOperationException($"Entry {prevIndex} is gone but there is no snapshot.");
            }

            Send(new InstallSnapshot(Id, to, _term, snapshot));
            pr.BecomeSnapshot(snapshot.Index, _tick);
            return true;
        }

        var entries = pr.Next <= _log.LastIndex
            ? _log.Slice(pr.Next, _log.LastIndex + 1, _options.MaxBytesPerMessage, _options.MaxBatchEntries)
            : [];
        if (entries.Length == 0 && !sendIfEmpty)
        {
            return false;
        }

        Send(new AppendRequest(Id, to, _term, prevIndex, prevTerm, _log.Committed, entries));
        pr.SentCommit = _log.Committed;
        pr.SentEntries(entries.Length, entries.Length > 0 ? entries[^1].Index : prevIndex);
        return true;
    }

    private long BroadcastHeartbeat()
    {
        _readSeq++;
        if (_options.LeaseReads)
        {
            _roundSentTick[_readSeq] = _tick;
        }

        foreach (var (id, pr) in _progress)
        {
            if (id != Id)
            {
                var commit = Math.Min(pr.Match, _log.Committed);
                pr.SentCommit = Math.Max(pr.SentCommit, commit);
                Send(new Heartbeat(Id, id, _term, commit, _readSeq));
            }
        }

        return _readSeq;
    }

    private void SendTimeoutNow(NodeId to)
    {
        _leaseRevoked = true; // the target campaigns ignoring voters' leases: ours is void from now on
        Send(new TimeoutNow(Id, to, _term));
    }

    // ---------------------------------------------------------------- reads

    private void LeaderRead(NodeId from, ReadOnlyMemory<byte> context)
    {
        if (_log.Term(_log.Committed) != _term)
        {
            // Until an entry of its term is committed the leader does not know the latest commit index.
            _readsAwaitingCommit.Add((from, context));
            return;
        }

        var index = _log.Committed;
        if (_membership.Voters.Count == 1 && _membership.IsVoter(Id))
        {
            RespondRead(from, index, context);
            return;
        }

        if (_options.LeaseReads && !_leaseRevoked && _leadTransferee.IsNone
            && _leaseStartTick != long.MinValue && _tick < _leaseStartTick + _options.ElectionTimeoutMinTicks - 1)
        {
            RespondRead(from, index, context);
            return;
        }

        var seq = BroadcastHeartbeat();
        _pendingReads.Add(seq, index, from, context);
    }

    private void RespondRead(NodeId from, long index, ReadOnlyMemory<byte> context)
    {
        if (from == Id)
        {
            _readStates.Add(new ReadState(index, context));
        }
        else
        {
            Send(new ReadIndexResponse(Id, from, _term, index, context));
        }
    }

    /// <summary>Releases the reads (and extends the lease) confirmed by a quorum of heartbeat acknowledgements.</summary>
    private void ProcessReadAcks()
    {
        var confirmed = ReadRounds.Confirmed(_membership.Voters, Id, _readSeq, _progress, Quorum);
        if (confirmed == 0)
        {
            return;
        }

        if (_options.LeaseReads)
        {
            if (_roundSentTick.TryGetValue(confirmed, out var sent))
            {
                _leaseStartTick = Math.Max(_leaseStartTick, sent);
            }

            foreach (var seq in _roundSentTick.Keys.Where(s => s < confirmed).ToArray())
            {
                _roundSentTick.Remove(seq);
            }
        }

        _pendingReads.Release(confirmed);
    }

    // ---------------------------------------------------------------- membership

    private void ApplyMembership(Membership membership, long index)
    {
        _membership = membership;
        _configIndex = index;
        if (_state != ConsensusRole.Leader)
        {
            return;
        }

        foreach (var member in membership.All)
        {
            if (!_progress.ContainsKey(member))
            {
                _progress[member] = new Progress(_log.LastIndex, _options.MaxInflightAppends) { RecentActive = true };
            }
        }

        foreach (var id in _progress.Keys.ToArray())
        {
            if (id != Id && !membership.Contains(id))
            {
                _progress.Remove(id);
            }
        }

        if (!_leadTransferee.IsNone && !membership.IsVoter(_leadTransferee))
        {
            _leadTransferee = NodeId.None;
        }

        if (MaybeCommit())
        {
            BroadcastAppend();
        }
    }

    /// <summary>The membership in force is the last one in the log, else the snapshot's, else the initial one.</summary>
    private void RecomputeMembership()
    {
        for (var i = _log.LastIndex; i >= _log.FirstIndex; i--)
        {
            var e = _log.Entry(i);
            if (e.Kind == EntryKind.Membership)
            {
                ApplyMembership(Membership.Decode(e.Data.Span), i);
                return;
            }
        }

        ApplyMembership(_log.Snapshot?.Membership ?? _initialMembership, _log.SnapshotIndex);
    }

    private Membership MembershipAt(long index)
    {
        for (var i = Math.Min(index, _log.LastIndex); i >= _log.FirstIndex; i--)
        {
            var e = _log.Entry(i);
            if (e.Kind == EntryKind.Membership)
            {
                return Membership.Decode(e.Data.Span);
            }
        }

        return _log.Snapshot?.Membership ?? _initialMembership;
    }

    private void Send(RaftMessage message) => _messages.Add(message);

    public override string ToString() => $"{Id} {_state} term={_term} lead={_lead} last={_log.LastIndex} commit={_log.Committed}";
}
