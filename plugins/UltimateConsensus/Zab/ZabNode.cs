using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Zab;

/// <summary>
/// A ZAB node (Junqueira, Reed and Serafini, "Zab: High-performance broadcast for primary-backup systems", 2011, and
/// ZooKeeper's implementation of it) as a pure, deterministic state machine: fast leader election, then the three phases
/// of the protocol: discovery (FOLLOWERINFO, LEADERINFO, ACKEPOCH: agreeing on a new epoch above every epoch a quorum
/// accepted), synchronization (DIFF, TRUNC or SNAP, then NEWLEADER and its ACK from a quorum before anything of the
/// epoch commits), and broadcast (PROPOSAL, ACK, COMMIT with zxids (epoch, position)).
/// </summary>
/// <remarks>
/// <para>The log is Raft's in-memory log (<see cref="RaftLog"/>, entries carry their epoch as their term), on the shared
/// write-ahead log. Persistence before acknowledgement: acceptedEpoch before ACKEPOCH and LEADERINFO, currentEpoch with
/// the synchronized history before the ACK of NEWLEADER, proposals before their ACK: every message goes in the same
/// <see cref="Ready"/> as the state it depends on, and the runtime persists a Ready before sending its messages.</para>
/// <para>Where it differs from ZooKeeper: the network may lose, duplicate and reorder messages (ZooKeeper relies on
/// TCP), so a leader retransmits what was not acknowledged at every ping, a follower accepts proposals only in order,
/// and synchronization travels in one idempotent message. A new leader writes its NEWLEADER point as an empty entry of
/// its epoch at the end of its initial history (ZooKeeper's zxid (e, 0)); a follower that truncates replaces its
/// stale proposals with it, which keeps the truncation durable on an append-only log.</para>
/// </remarks>
internal sealed class ZabNode : IConsensusNode
{
    private readonly ZabOptions _options;
    private readonly Membership _membership;
    private readonly RaftLog _log;
    private readonly Dictionary<NodeId, Vote> _received = [];
    private readonly Dictionary<NodeId, (NodeId Leader, PeerState State)> _outOfElection = [];
    private readonly Dictionary<NodeId, Peer> _peers = [];
    private readonly Dictionary<NodeId, long> _followerEpochs = [];
    private readonly HashSet<NodeId> _epochAcks = [];
    private List<IProtocolMessage> _messages = [];

    private long _acceptedEpoch;
    private long _currentEpoch;
    private ZabHardState _prevHardState;
    private Phase _phase;
    private bool _leading;
    private NodeId _leader;
    private long _tick;
    private int _elapsed;
    private int _heartbeatElapsed;
    private int _silence;

    // Election.
    private long _round;
    private Vote _vote;
    private long _decideAt = -1;

    // Follower.
    private (long Epoch, NodeId Leader) _epochAckedTo;
    private bool _leaderInfoSeen;

    // Leader.
    private long _proposedEpoch;
    private bool _epochAgreed;
    private bool _established;
    private long _newLeaderIndex;
    private bool _pendingBroadcast;

    public ZabNode(NodeId id, Membership membership, RecoveredState recovered, ZabOptions options)
    {
        if (id.IsNone)
        {
            throw new ArgumentException("A node needs a non-zero id.", nameof(id));
        }

        Id = id;
        _options = options;
        var hardState = ZabHardState.Decode(recovered.HardState.Span);
        _membership = recovered.Snapshot?.Membership ?? membership;
        _log = new RaftLog(recovered.Snapshot, recovered.Entries, hardState.Commit);
        _acceptedEpoch = hardState.AcceptedEpoch;
        _currentEpoch = hardState.CurrentEpoch;
        _prevHardState = CurrentHardState;
        StartLooking();
    }

    private enum Phase
    {
        Looking,
        Discovery,
        Synchronization,
        Broadcast,
    }

    private enum PeerStage
    {
        /// <summary>Sent FOLLOWERINFO before the epoch was chosen.</summary>
        Info,

        /// <summary>LEADERINFO sent, ACKEPOCH awaited.</summary>
        EpochSent,

        /// <summary>ACKEPOCH received before the epoch was agreed: synchronized once it is.</summary>
        AwaitingSync,

        /// <summary>Sync sent, the ACK of NEWLEADER awaited.</summary>
        Syncing,

        /// <summary>Acknowledged NEWLEADER: receives proposals and counts towards commits.</summary>
        Broadcast,
    }

    public NodeId Id { get; }

    public ConsensusStatus Status => new(
        Id,
        RoleNow,
        _acceptedEpoch,
        _leading ? (_established ? Id : NodeId.None) : _phase == Phase.Broadcast ? _leader : NodeId.None,
        _log.LastIndex,
        _log.Committed,
        _log.Applying,
        _membership);

    public bool HasReady =>
        _messages.Count > 0 || _pendingBroadcast || _log.PendingSnapshot is not null || _log.UnstableFrom <= _log.LastIndex
        || _log.HasNextCommittedEntries || CurrentHardState != _prevHardState;

    // Exposed for tests and invariant checks.
    internal RaftLog Log => _log;

    internal long AcceptedEpoch => _acceptedEpoch;

    internal long CurrentEpoch => _currentEpoch;

    /// <summary>True while this node leads an epoch it proposed and a quorum agreed on (synchronizing or broadcasting).</summary>
    internal bool LeadsEpoch => _leading && _epochAgreed;

    /// <summary>True once a quorum acknowledged NEWLEADER: the leader commits and accepts proposals.</summary>
    internal bool Established => _established;

    /// <summary>The index of the leader's NEWLEADER entry (the first entry of its epoch); 0 when not leading.</summary>
    internal long NewLeaderIndex => _leading && _epochAgreed ? _newLeaderIndex : 0;

    internal long Round => _round;

    private ConsensusRole RoleNow => _phase switch
    {
        Phase.Looking => ConsensusRole.Candidate,
        Phase.Broadcast when _leading => _established ? ConsensusRole.Leader : ConsensusRole.ViewChange,
        Phase.Broadcast => ConsensusRole.Follower,
        _ => ConsensusRole.ViewChange,
    };

    private ZabHardState CurrentHardState => new(_acceptedEpoch, _currentEpoch, _log.Committed);

    private int Quorum => QuorumRule.Majority.Size(_membership.Voters.Count);

    private bool IsVoter => _membership.IsVoter(Id);

    // ---------------------------------------------------------------- inputs

    public void Tick()
    {
        _tick++;
        switch (_phase)
        {
            case Phase.Looking:
                TickLooking();
                break;
            default:
                if (_leading)
                {
                    TickLeader();
                }
                else
                {
                    TickFollower();
                }

                break;
        }
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not ZabMessage m || m.To != Id || m.From == Id || !_membership.IsVoter(m.From) || !IsVoter)
        {
            return;
        }

        if (m is Notification n)
        {
            HandleNotification(n);
            return;
        }

        if (_phase == Phase.Looking)
        {
            return;
        }

        if (_leading)
        {
            StepLeader(m);
        }
        else if (m.From == _leader)
        {
            StepFollower(m);
        }
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (!_leading || !_established)
        {
            return ProposeResult.Refused(_leading ? "this leader is still synchronizing its followers" : "not the leader", _phase == Phase.Broadcast && !_leading ? _leader : NodeId.None);
        }

        var entry = new LogEntry(_log.LastIndex + 1, _acceptedEpoch, EntryKind.Command, command.ToArray());
        _log.Append(entry);
        _pendingBroadcast = true;
        if (Quorum == 1)
        {
            MaybeCommit();
        }

        return ProposeResult.Ok(entry.Index, entry.Term);
    }

    public ProposeResult ProposeMembershipChange(MembershipChange change) =>
        ProposeResult.Refused("consensus/zab has a fixed membership", _leading && _established ? Id : NodeId.None);

    /// <summary>No ReadIndex: linearizable reads go through the log (ZooKeeper's sync followed by a read).</summary>
    public bool ReadIndex(ReadOnlyMemory<byte> context) => false;

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
        if (_pendingBroadcast)
        {
            _pendingBroadcast = false;
            if (_leading && _established)
            {
                foreach (var (id, peer) in _peers)
                {
                    if (peer.Stage == PeerStage.Broadcast)
                    {
                        SendProposals(id, peer);
                    }
                }
            }
        }

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
            MustSync = hardState.AcceptedEpoch != _prevHardState.AcceptedEpoch || hardState.CurrentEpoch != _prevHardState.CurrentEpoch
                || entries.Length > 0 || snapshot is not null,
        };
        _prevHardState = hardState;
        _log.SnapshotHandedOut();
        if (_messages.Count > 0)
        {
            _messages = [];
        }

        return ready;
    }

    public void Advance(Ready ready) => _log.Advanced(ready);

    // ---------------------------------------------------------------- fast leader election

    /// <summary>A vote: a leader with its currentEpoch and last zxid; ordered by (epoch, zxid, id), ZooKeeper's totalOrderPredicate.</summary>
    private readonly record struct Vote(NodeId Leader, long Epoch, long ZxidEpoch, long ZxidIndex)
    {
        public bool BetterThan(Vote other) =>
            Epoch != other.Epoch ? Epoch > other.Epoch
            : ZxidEpoch != other.ZxidEpoch ? ZxidEpoch > other.ZxidEpoch
            : ZxidIndex != other.ZxidIndex ? ZxidIndex > other.ZxidIndex
            : Leader.Value > other.Leader.Value;
    }

    private Vote OwnVote => new(Id, _currentEpoch, _log.LastTerm, _log.LastIndex);

    private void StartLooking()
    {
        ResetRoles();
        _phase = Phase.Looking;
        if (!IsVoter)
        {
            return;
        }

        _round++;
        _vote = OwnVote;
        _received[Id] = _vote;
        BroadcastNotification();
        CheckVoteQuorum();
    }

    private void ResetRoles()
    {
        _leading = false;
        _leader = NodeId.None;
        _elapsed = 0;
        _heartbeatElapsed = 0;
        _silence = 0;
        _received.Clear();
        _outOfElection.Clear();
        _decideAt = -1;
        _peers.Clear();
        _followerEpochs.Clear();
        _epochAcks.Clear();
        _proposedEpoch = 0;
        _epochAgreed = false;
        _established = false;
        _newLeaderIndex = 0;
        _pendingBroadcast = false;
        _leaderInfoSeen = false;
    }

    private void BroadcastNotification()
    {
        _heartbeatElapsed = 0;
        foreach (var voter in _membership.Voters)
        {
            if (voter != Id)
            {
                SendNotification(voter);
            }
        }
    }

    private void SendNotification(NodeId to)
    {
        if (_phase == Phase.Looking)
        {
            Send(new Notification(Id, to, _round, PeerState.Looking, _vote.Leader, _vote.Epoch, _vote.ZxidEpoch, _vote.ZxidIndex));
        }
        else
        {
            // Out of the election: tell the looking node whom this node follows (or that it leads), in the leader's epoch.
            var leader = _leading ? Id : _leader;
            Send(new Notification(Id, to, _round, _leading ? PeerState.Leading : PeerState.Following, leader, _acceptedEpoch, _log.LastTerm, _log.LastIndex));
        }
    }

    private void TickLooking()
    {
        if (!IsVoter)
        {
            return;
        }

        if (_decideAt >= 0 && _tick >= _decideAt)
        {
            Decide();
            return;
        }

        if (++_heartbeatElapsed >= _options.NotificationIntervalTicks)
        {
            BroadcastNotification();
        }
    }

    private void HandleNotification(Notification n)
    {
        if (_phase != Phase.Looking)
        {
            if (n.State == PeerState.Looking)
            {
                SendNotification(n.From);
            }

            return;
        }

        var theirs = new Vote(n.Leader, n.VoteEpoch, n.ZxidEpoch, n.ZxidIndex);
        if (n.State != PeerState.Looking)
        {
            // ZooKeeper's outofelection set: join an established ensemble once a quorum of it names the same leader,
            // that leader among them saying it leads.
            _outOfElection[n.From] = (n.Leader, n.State);
            var leader = n.Leader;
            var count = _outOfElection.Count(o => o.Value.Leader == leader);
            if (count >= Quorum && _outOfElection.TryGetValue(leader, out var l) && l.State == PeerState.Leading && leader != Id)
            {
                _round = Math.Max(_round, n.Round);
                BecomeFollower(leader);
            }

            return;
        }

        if (n.Round > _round)
        {
            _round = n.Round;
            _received.Clear();
            _vote = theirs.BetterThan(OwnVote) ? theirs : OwnVote;
            _received[Id] = _vote;
            _decideAt = -1;
            BroadcastNotification();
        }
        else if (n.Round < _round)
        {
            SendNotification(n.From);
            return;
        }
        else if (theirs.BetterThan(_vote))
        {
            _vote = theirs;
            _received[Id] = _vote;
            _decideAt = -1;
            BroadcastNotification();
        }

        _received[n.From] = theirs;
        CheckVoteQuorum();
    }

    private void CheckVoteQuorum()
    {
        var agreeing = _received.Values.Count(v => v == _vote);
        if (agreeing < Quorum)
        {
            _decideAt = -1;
            return;
        }

        if (_decideAt < 0)
        {
            _decideAt = _tick + _options.FinalizeWaitTicks;
        }

        if (_options.FinalizeWaitTicks == 0 || agreeing == _membership.Voters.Count)
        {
            Decide(); // every voter holds this vote already: no better one can come
        }
    }

    private void Decide()
    {
        var leader = _vote.Leader;
        if (leader == Id)
        {
            BecomeLeader();
        }
        else
        {
            BecomeFollower(leader);
        }
    }

    // ---------------------------------------------------------------- follower

    private void BecomeFollower(NodeId leader)
    {
        var round = _round;
        ResetRoles();
        _round = round;
        _phase = Phase.Discovery;
        _leader = leader;
        Send(new FollowerInfo(Id, leader, _acceptedEpoch));
    }

    private void TickFollower()
    {
        _elapsed++;
        if (_phase != Phase.Broadcast)
        {
            if (_elapsed >= _options.InitLimitTicks)
            {
                StartLooking();
                return;
            }

            if (!_leaderInfoSeen && ++_heartbeatElapsed >= _options.HeartbeatIntervalTicks)
            {
                _heartbeatElapsed = 0;
                Send(new FollowerInfo(Id, _leader, _acceptedEpoch));
            }

            return;
        }

        if (++_silence >= _options.SyncLimitTicks)
        {
            StartLooking();
        }
    }

    private void StepFollower(ZabMessage m)
    {
        switch (m)
        {
            case LeaderInfo info:
                HandleLeaderInfo(info);
                break;
            case Sync sync when sync.Epoch == _acceptedEpoch && _leaderInfoSeen:
                _silence = 0;
                HandleSync(sync);
                break;
            case Proposal p when p.Epoch == _acceptedEpoch && _phase == Phase.Broadcast:
                _silence = 0;
                HandleProposal(p);
                break;
            case Commit c when c.Epoch == _acceptedEpoch && _phase == Phase.Broadcast:
                _silence = 0;
                _log.CommitTo(Math.Min(c.Index, _log.LastIndex));
                Send(new Ack(Id, _leader, _acceptedEpoch, _log.LastIndex, false));
                break;
        }
    }

    private void HandleLeaderInfo(LeaderInfo info)
    {
        bool counted;
        if (info.Epoch > _acceptedEpoch)
        {
            _acceptedEpoch = info.Epoch; // persisted before the ACKEPOCH below goes out
            _epochAckedTo = (info.Epoch, _leader);
            counted = true;
        }
        else if (info.Epoch == _acceptedEpoch)
        {
            // Accepted before: counts again only for the leader it was accepted from in this incarnation.
            counted = _epochAckedTo == (info.Epoch, _leader);
        }
        else
        {
            StartLooking(); // a leader of an older epoch than one this node accepted: ZooKeeper gives up on it too
            return;
        }

        _leaderInfoSeen = true;
        if (_phase == Phase.Discovery)
        {
            _phase = Phase.Synchronization;
        }

        Send(new AckEpoch(Id, _leader, info.Epoch, _currentEpoch, _log.LastTerm, _log.LastIndex, counted, Boundaries()));
    }

    /// <summary>Where each epoch of this node's log ends, from the snapshot point up.</summary>
    private EpochBoundary[] Boundaries()
    {
        var list = new List<EpochBoundary> { new(_log.SnapshotTerm, _log.SnapshotIndex) };
        for (var i = _log.FirstIndex; i <= _log.LastIndex; i++)
        {
            var term = _log.Term(i);
            if (list.Count > 1 && term == list[^1].Epoch)
            {
                // The first boundary is the snapshot point itself: entries after it start the next one.
                list[^1] = new EpochBoundary(term, i);
            }
            else
            {
                list.Add(new EpochBoundary(term, i));
            }
        }

        return [.. list];
    }

    private void HandleSync(Sync sync)
    {
        if (sync.Snapshot is { } s && s.Index > _log.Committed && !_log.MatchTerm(s.Index, s.Term))
        {
            _log.Restore(s);
        }
        else if (sync.Snapshot is { } held && held.Index <= _log.LastIndex && _log.MatchTerm(held.Index, held.Term))
        {
            _log.CommitTo(held.Index);
        }

        IReadOnlyList<LogEntry> entries = sync.Entries;
        if (entries.Count > 0 && entries[0].Index > _log.LastIndex + 1)
        {
            return; // cannot happen from a correct leader (it sends from the common point); ignore rather than leave a gap
        }

        if (_options.Break == ZabBreak.FollowerKeepsStaleProposals)
        {
            // Broken on purpose: keep whatever this node holds and only add what lies beyond its last entry.
            entries = entries.Where(e => e.Index > _log.LastIndex).ToArray();
        }
        else
        {
            entries = entries.Where(e => e.Index > _log.Committed).ToArray();
        }

        AppendFromConflict(entries);
        _currentEpoch = sync.Epoch; // persisted with the history before the ACK of NEWLEADER goes out
        _log.CommitTo(Math.Min(sync.Commit, _log.LastIndex));
        _phase = Phase.Broadcast;
        _silence = 0;
        Send(new Ack(Id, _leader, _acceptedEpoch, _log.LastIndex, true));
    }

    private void HandleProposal(Proposal p)
    {
        var entries = p.Entries;
        if (entries.Count > 0 && entries[0].Index <= _log.LastIndex + 1)
        {
            AppendFromConflict(entries.Where(e => e.Index > _log.Committed).ToArray());
        }

        _log.CommitTo(Math.Min(p.Commit, _log.LastIndex));
        Send(new Ack(Id, _leader, _acceptedEpoch, _log.LastIndex, false));
    }

    /// <summary>Appends the part of <paramref name="entries"/> (contiguous, after the commit index) this log lacks or holds differently.</summary>
    private void AppendFromConflict(IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0 || entries[0].Index > _log.LastIndex + 1)
        {
            return;
        }

        var conflict = _log.FindConflict(entries);
        if (conflict != 0)
        {
            var start = (int)(conflict - entries[0].Index);
            _log.Append(start == 0 ? entries : entries.Skip(start).ToArray());
        }
    }

    // ---------------------------------------------------------------- leader

    private sealed class Peer
    {
        public PeerStage Stage { get; set; }

        /// <summary>The follower's ACKEPOCH, from which its synchronization is computed (null: send a snapshot).</summary>
        public AckEpoch? History { get; set; }

        /// <summary>Highest index the follower acknowledged holding, in this epoch.</summary>
        public long Acked { get; set; }

        /// <summary>Highest index sent to it.</summary>
        public long SentUpTo { get; set; }

        /// <summary>Acked at the previous ping: unchanged while entries are outstanding means they are lost.</summary>
        public long AckedAtLastPing { get; set; }

        /// <summary>Heard from since the last liveness check.</summary>
        public bool Heard { get; set; }
    }

    private void BecomeLeader()
    {
        var round = _round;
        ResetRoles();
        _round = round;
        _phase = Phase.Discovery;
        _leading = true;
        _leader = Id;
        _followerEpochs[Id] = _acceptedEpoch;
        MaybeProposeEpoch();
    }

    private void MaybeProposeEpoch()
    {
        if (_proposedEpoch != 0 || _followerEpochs.Count < Quorum)
        {
            return;
        }

        var highest = _followerEpochs.Values.Max();
        var epoch = _options.Break == ZabBreak.EpochNotGreater ? Math.Max(highest, 1) : highest + 1;
        _proposedEpoch = epoch;
        _acceptedEpoch = epoch; // persisted before LEADERINFO goes out
        _epochAcks.Add(Id);
        foreach (var (id, peer) in _peers)
        {
            peer.Stage = PeerStage.EpochSent;
            Send(new LeaderInfo(Id, id, epoch));
        }

        MaybeEpochQuorum();
    }

    private void MaybeEpochQuorum()
    {
        if (_epochAgreed || _epochAcks.Count < Quorum)
        {
            return;
        }

        _epochAgreed = true;
        _phase = Phase.Synchronization;
        _currentEpoch = _proposedEpoch; // persisted with the NEWLEADER entry before any Sync goes out
        var newLeader = new LogEntry(_log.LastIndex + 1, _currentEpoch, EntryKind.Noop, ReadOnlyMemory<byte>.Empty);
        _log.Append(newLeader);
        _newLeaderIndex = newLeader.Index;
        foreach (var (id, peer) in _peers)
        {
            if (peer.Stage == PeerStage.AwaitingSync)
            {
                if (_options.Break == ZabBreak.CommitBeforeNewLeaderQuorum && _epochAcks.Contains(id))
                {
                    // Broken on purpose: count the epoch's acknowledgement as if it acknowledged NEWLEADER.
                    SendSync(id, peer);
                    peer.Stage = PeerStage.Broadcast;
                    peer.Acked = _newLeaderIndex;
                    peer.SentUpTo = _newLeaderIndex;
                    continue;
                }

                SendSync(id, peer);
            }
        }

        MaybeCommit();
    }

    private void StepLeader(ZabMessage m)
    {
        if (m is FollowerInfo info)
        {
            HandleFollowerInfo(info);
            return;
        }

        if (!_peers.TryGetValue(m.From, out var peer))
        {
            return;
        }

        switch (m)
        {
            case AckEpoch a when a.Epoch == _proposedEpoch && _proposedEpoch != 0:
                peer.Heard = true;
                if (peer.Stage != PeerStage.EpochSent)
                {
                    return; // a duplicate
                }

                if (!_epochAgreed && IsMoreRecentThanMe(a))
                {
                    // ZooKeeper's waitForEpochAck: a follower of the quorum holds a later history than this leader, which
                    // fast leader election should have prevented; give up and elect again.
                    StartLooking();
                    return;
                }

                peer.History = a;
                if (_epochAgreed)
                {
                    SendSync(m.From, peer);
                }
                else
                {
                    peer.Stage = PeerStage.AwaitingSync;
                    if (a.Counted)
                    {
                        _epochAcks.Add(m.From);
                        MaybeEpochQuorum();
                    }
                }

                break;
            case Ack a when a.Epoch == _proposedEpoch && _epochAgreed:
                peer.Heard = true;
                HandleAck(m.From, peer, a);
                break;
        }
    }

    private void HandleFollowerInfo(FollowerInfo info)
    {
        if (!_peers.TryGetValue(info.From, out var peer))
        {
            peer = new Peer();
            _peers[info.From] = peer;
        }

        // New, or back after looking again (a restart), or a retransmission: (re)start its discovery. A follower sends
        // FOLLOWERINFO only before it has seen LEADERINFO, so answering each one with LEADERINFO is always right.
        peer.Heard = true;
        peer.History = null;
        peer.Acked = 0;
        peer.SentUpTo = 0;
        if (_proposedEpoch == 0)
        {
            peer.Stage = PeerStage.Info;
            _followerEpochs[info.From] = info.AcceptedEpoch;
            MaybeProposeEpoch();
            return;
        }

        peer.Stage = PeerStage.EpochSent;
        Send(new LeaderInfo(Id, info.From, _proposedEpoch));
    }

    /// <summary>ZooKeeper's StateSummary.isMoreRecentThan: a later currentEpoch, or the same one and a later last zxid.</summary>
    private bool IsMoreRecentThanMe(AckEpoch a) =>
        a.CurrentEpoch != _currentEpoch ? a.CurrentEpoch > _currentEpoch
        : a.LastEpoch != _log.LastTerm ? a.LastEpoch > _log.LastTerm
        : a.LastIndex > _log.LastIndex;

    private void SendSync(NodeId to, Peer peer)
    {
        peer.Stage = PeerStage.Syncing;
        peer.Acked = 0;
        var (mode, point) = peer.History is { } history ? CommonPoint(history) : (SyncMode.Snap, -1);
        if (mode == SyncMode.Snap && _log.Snapshot is null)
        {
            (mode, point) = (SyncMode.Trunc, 0); // nothing compacted: the whole log replaces the follower's
        }

        Snapshot? snapshot = mode == SyncMode.Snap ? _log.Snapshot : null;
        var from = snapshot is not null ? snapshot.Index + 1 : point + 1;
        var entries = from <= _log.LastIndex ? _log.Slice(from, _log.LastIndex + 1, long.MaxValue, int.MaxValue) : [];
        Send(new Sync(Id, to, _proposedEpoch, mode, mode == SyncMode.Trunc ? point : 0, snapshot, entries, _log.Committed));
        peer.SentUpTo = _log.LastIndex;
    }

    /// <summary>
    /// The last index at which the follower's history (as its ACKEPOCH describes it) and this leader's hold the same
    /// entry: the largest index whose epoch is the same in both (one leader per epoch proposes, and it sent its
    /// history before its proposals, so the same (epoch, index) means the same prefix). DIFF when that is the follower's
    /// last index, TRUNC when the follower holds more, SNAP when this leader compacted that point away.
    /// </summary>
    private (SyncMode Mode, long Point) CommonPoint(AckEpoch a)
    {
        var boundaries = a.Boundaries;
        if (boundaries.Count == 0)
        {
            return (SyncMode.Snap, -1);
        }

        var followerSnapshot = boundaries[0].LastIndex;
        var k = boundaries.Count - 1;
        for (var i = Math.Min(a.LastIndex, _log.LastIndex); i >= 0; i--)
        {
            if (i < _log.SnapshotIndex)
            {
                return (SyncMode.Snap, -1);
            }

            if (i <= followerSnapshot)
            {
                // The follower's snapshot holds committed entries only, which every later leader holds.
                return (i == a.LastIndex ? SyncMode.Diff : SyncMode.Trunc, i);
            }

            while (k > 0 && boundaries[k - 1].LastIndex >= i)
            {
                k--;
            }

            if (boundaries[k].Epoch == _log.Term(i))
            {
                return (i == a.LastIndex ? SyncMode.Diff : SyncMode.Trunc, i);
            }
        }

        return (SyncMode.Snap, -1);
    }

    private void HandleAck(NodeId from, Peer peer, Ack a)
    {
        var index = Math.Min(a.Index, _log.LastIndex);
        switch (peer.Stage)
        {
            case PeerStage.Syncing when a.NewLeader:
                peer.Stage = PeerStage.Broadcast;
                peer.Acked = index;
                peer.SentUpTo = Math.Max(peer.SentUpTo, index);
                peer.AckedAtLastPing = index;
                break;
            case PeerStage.Broadcast:
                peer.Acked = Math.Max(peer.Acked, index);
                peer.SentUpTo = Math.Max(peer.SentUpTo, peer.Acked);
                break;
            default:
                return;
        }

        MaybeCommit();
        if (_established)
        {
            SendProposals(from, peer);
        }
    }

    /// <summary>Commits up to the highest index a quorum holds, once that includes this epoch's NEWLEADER entry.</summary>
    private void MaybeCommit()
    {
        if (!_epochAgreed)
        {
            return;
        }

        var voters = _membership.Voters;
        Span<long> matches = voters.Count <= 16 ? stackalloc long[voters.Count] : new long[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            matches[i] = voters[i] == Id ? _log.LastIndex
                : _peers.TryGetValue(voters[i], out var p) && p.Stage == PeerStage.Broadcast ? p.Acked : 0;
        }

        matches.Sort();
        var quorumIndex = matches[voters.Count - Quorum];
        if (quorumIndex < _newLeaderIndex || quorumIndex <= _log.Committed)
        {
            return;
        }

        _log.CommitTo(quorumIndex);
        if (!_established)
        {
            _established = true; // a quorum acknowledged NEWLEADER: the initial history is committed, broadcast begins
            _phase = Phase.Broadcast;
            _elapsed = 0;
        }

        foreach (var (id, peer) in _peers)
        {
            if (peer.Stage == PeerStage.Broadcast)
            {
                Send(new Commit(Id, id, _acceptedEpoch, Math.Min(_log.Committed, Math.Max(peer.SentUpTo, peer.Acked))));
            }
        }
    }

    /// <summary>Sends a synchronized follower the proposals it has not been sent, within the in-flight window.</summary>
    private void SendProposals(NodeId to, Peer peer)
    {
        while (peer.SentUpTo < _log.LastIndex && peer.SentUpTo - peer.Acked < _options.MaxInflightEntries)
        {
            var from = peer.SentUpTo + 1;
            if (from < _log.FirstIndex)
            {
                peer.History = null;
                SendSync(to, peer); // compacted away: bring it up with a snapshot
                return;
            }

            var room = (int)Math.Min(_options.MaxBatchEntries, _options.MaxInflightEntries - (peer.SentUpTo - peer.Acked));
            var entries = _log.Slice(from, _log.LastIndex + 1, long.MaxValue, room);
            Send(new Proposal(Id, to, _acceptedEpoch, entries, _log.Committed));
            peer.SentUpTo = entries[^1].Index;
        }
    }

    private void TickLeader()
    {
        _elapsed++;
        if (!_established)
        {
            if (_elapsed >= _options.InitLimitTicks)
            {
                StartLooking(); // no quorum agreed on the epoch and acknowledged NEWLEADER in time
                return;
            }
        }
        else if (_elapsed >= _options.SyncLimitTicks)
        {
            _elapsed = 0;
            var heard = 1 + _peers.Count(p => p.Value.Stage == PeerStage.Broadcast && p.Value.Heard);
            foreach (var peer in _peers.Values)
            {
                peer.Heard = false;
            }

            if (heard < Quorum)
            {
                StartLooking(); // ZooKeeper's leader shuts down when it loses a synced quorum
                return;
            }
        }

        if (++_heartbeatElapsed < _options.HeartbeatIntervalTicks)
        {
            return;
        }

        _heartbeatElapsed = 0;
        foreach (var (id, peer) in _peers)
        {
            switch (peer.Stage)
            {
                case PeerStage.EpochSent:
                    Send(new LeaderInfo(Id, id, _proposedEpoch));
                    break;
                case PeerStage.Syncing:
                    SendSync(id, peer);
                    break;
                case PeerStage.Broadcast:
                    if (peer.Acked == peer.AckedAtLastPing && peer.SentUpTo > peer.Acked)
                    {
                        peer.SentUpTo = peer.Acked; // nothing acknowledged since the last ping: resend
                    }

                    peer.AckedAtLastPing = peer.Acked;
                    if (_established)
                    {
                        SendProposals(id, peer);
                    }

                    Send(new Commit(Id, id, _acceptedEpoch, Math.Min(_log.Committed, Math.Max(peer.SentUpTo, peer.Acked))));
                    break;
            }
        }
    }

    private void Send(ZabMessage message) => _messages.Add(message);

    public override string ToString() =>
        $"{Id} {RoleNow} acceptedEpoch={_acceptedEpoch} currentEpoch={_currentEpoch} last={_log.LastIndex} commit={_log.Committed}";
}
