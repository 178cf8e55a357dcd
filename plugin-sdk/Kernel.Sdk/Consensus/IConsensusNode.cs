using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// One node of a consensus protocol as a pure, deterministic state machine, in the manner of etcd-io/raft's RawNode.
/// It never blocks, sleeps, reads a clock, does I/O or creates randomness: inputs come in through the methods below,
/// outputs go out through <see cref="GetReady"/>. Not thread-safe: a runtime calls it from one thread at a time.
/// </summary>
public interface IConsensusNode
{
    /// <summary>This node's id.</summary>
    NodeId Id { get; }

    /// <summary>A view of the node's state for runtimes, metrics and invariant checks.</summary>
    ConsensusStatus Status { get; }

    /// <summary>Advances the node's logical clock by one tick (election and heartbeat timeouts count ticks).</summary>
    void Tick();

    /// <summary>Delivers a message from another node. Stale, duplicate or malformed messages are ignored.</summary>
    void Step(IProtocolMessage message);

    /// <summary>Proposes a command to append to the log. Only a leader accepts.</summary>
    ProposeResult Propose(ReadOnlyMemory<byte> command);

    /// <summary>Proposes a membership change. Only a leader accepts, and only one change at a time.</summary>
    ProposeResult ProposeMembershipChange(MembershipChange change);

    /// <summary>
    /// Asks for a linearizable read point without writing to the log. The answer comes as a <see cref="ReadState"/>
    /// carrying <paramref name="context"/> in a later <see cref="Ready"/>, or never (the caller times out).
    /// Returns false when the node cannot serve reads now (for example it knows no leader).
    /// </summary>
    bool ReadIndex(ReadOnlyMemory<byte> context);

    /// <summary>Asks the leader to hand leadership to <paramref name="target"/>. Returns false if this node cannot.</summary>
    bool TransferLeadership(NodeId target);

    /// <summary>
    /// Tells the node that the state machine has been snapshotted at <paramref name="index"/> (an index already handed out
    /// for applying), so the in-memory log up to there may be dropped. Returns the snapshot record (with the term and the
    /// membership in force at that index, which only the node knows) for the runtime to persist with
    /// <see cref="IConsensusStorage.SaveSnapshot"/>; null when <paramref name="index"/> is not past the current snapshot.
    /// A crash before the runtime persists it is harmless: the node recovers the uncompacted log from storage. The node keeps
    /// <paramref name="snapshotData"/> as it is, without a copy (a large store's snapshot is hundreds of MB): the caller hands
    /// it over and must not change it afterwards.
    /// </summary>
    Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData);

    /// <summary>True when <see cref="GetReady"/> has something to do.</summary>
    bool HasReady { get; }

    /// <summary>Collects the outputs produced since the last <see cref="Advance"/>.</summary>
    Ready GetReady();

    /// <summary>Tells the node the runtime has done everything the given <see cref="Ready"/> asked for.</summary>
    void Advance(Ready ready);
}

/// <summary>The outcome of a proposal.</summary>
/// <param name="Accepted">True if the leader appended it.</param>
/// <param name="Index">Its log index when accepted.</param>
/// <param name="Term">Its term when accepted.</param>
/// <param name="LeaderHint">The leader this node knows of, when not accepted.</param>
/// <param name="Reason">Why not, when not accepted.</param>
public readonly record struct ProposeResult(bool Accepted, long Index, long Term, NodeId LeaderHint, string? Reason)
{
    /// <summary>An accepted proposal.</summary>
    public static ProposeResult Ok(long index, long term) => new(true, index, term, NodeId.None, null);

    /// <summary>A refused proposal.</summary>
    public static ProposeResult Refused(string reason, NodeId leaderHint = default) => new(false, 0, 0, leaderHint, reason);
}

/// <summary>The role a node plays.</summary>
public enum ConsensusRole
{
    /// <summary>Follows a leader.</summary>
    Follower,

    /// <summary>Running a pre-vote.</summary>
    PreCandidate,

    /// <summary>Running an election.</summary>
    Candidate,

    /// <summary>Leads its term.</summary>
    Leader,

    /// <summary>Receives the log without voting.</summary>
    Learner,

    /// <summary>Taking part in choosing the next leader and bringing the log up to it: a VR view change, ZAB's discovery and synchronization, a Paxos phase 1.</summary>
    ViewChange,

    /// <summary>Restarted and rebuilding its state from the others before it takes part again (VR's recovery protocol).</summary>
    Recovering,
}

/// <summary>A snapshot of a node's state, read by runtimes, metrics and the simulator's invariant checks.</summary>
/// <param name="Id">The node.</param>
/// <param name="Role">Its role.</param>
/// <param name="Term">Its current term: Raft's term, a Paxos ballot, a ZAB epoch or a VR/PBFT view, a number that only grows.</param>
/// <param name="Leader">The leader it knows for that term, or none.</param>
/// <param name="LastIndex">Its last log index.</param>
/// <param name="Commit">Its commit index.</param>
/// <param name="Applied">The last index handed out for applying.</param>
/// <param name="Membership">The membership in force (the latest appended configuration).</param>
public sealed record ConsensusStatus(
    NodeId Id,
    ConsensusRole Role,
    long Term,
    NodeId Leader,
    long LastIndex,
    long Commit,
    long Applied,
    Membership Membership);
