using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Raft;

/// <summary>A Raft message: every one carries the sender's term.</summary>
internal abstract record RaftMessage(NodeId From, NodeId To, long Term) : IProtocolMessage;

/// <summary>
/// RequestVote, or a pre-vote (at the term the sender would campaign in, which it has not entered yet).
/// Transfer is set when the leader handed leadership over (TimeoutNow): voters then ignore their leader lease.
/// </summary>
internal sealed record VoteRequest(NodeId From, NodeId To, long Term, long LastLogIndex, long LastLogTerm, bool PreVote, bool Transfer)
    : RaftMessage(From, To, Term);

/// <summary>Answer to a <see cref="VoteRequest"/>.</summary>
internal sealed record VoteResponse(NodeId From, NodeId To, long Term, bool PreVote, bool Granted)
    : RaftMessage(From, To, Term);

/// <summary>AppendEntries: entries after (PrevLogIndex, PrevLogTerm), and the leader's commit index.</summary>
internal sealed record AppendRequest(NodeId From, NodeId To, long Term, long PrevLogIndex, long PrevLogTerm, long Commit, IReadOnlyList<LogEntry> Entries)
    : RaftMessage(From, To, Term);

/// <summary>
/// Answer to an <see cref="AppendRequest"/>. On success <see cref="Index"/> is the follower's last index matching the leader.
/// On rejection <see cref="Index"/> is the rejected PrevLogIndex, and (<see cref="HintIndex"/>, <see cref="HintTerm"/>) is the
/// largest entry of the follower at or below min(PrevLogIndex, its last index) whose term is at most PrevLogTerm
/// (etcd's findConflictByTerm), so the leader skips a whole conflicting term per round trip.
/// </summary>
internal sealed record AppendResponse(NodeId From, NodeId To, long Term, bool Success, long Index, long HintIndex, long HintTerm)
    : RaftMessage(From, To, Term);

/// <summary>Heartbeat: commit is min(follower's match, leader's commit); <see cref="ReadSeq"/> is the leader's read round.</summary>
internal sealed record Heartbeat(NodeId From, NodeId To, long Term, long Commit, long ReadSeq)
    : RaftMessage(From, To, Term);

/// <summary>Answer to a <see cref="Heartbeat"/>, echoing its read round.</summary>
internal sealed record HeartbeatResponse(NodeId From, NodeId To, long Term, long ReadSeq)
    : RaftMessage(From, To, Term);

/// <summary>InstallSnapshot: the whole snapshot in one message.</summary>
internal sealed record InstallSnapshot(NodeId From, NodeId To, long Term, Snapshot Snapshot)
    : RaftMessage(From, To, Term);

/// <summary>Answer to an <see cref="InstallSnapshot"/>: the follower's last index afterwards.</summary>
internal sealed record InstallSnapshotResponse(NodeId From, NodeId To, long Term, long LastIndex)
    : RaftMessage(From, To, Term);

/// <summary>Tells the transfer target to campaign at once, bypassing pre-vote.</summary>
internal sealed record TimeoutNow(NodeId From, NodeId To, long Term)
    : RaftMessage(From, To, Term);

/// <summary>A follower forwards a ReadIndex request to its leader.</summary>
internal sealed record ReadIndexRequest(NodeId From, NodeId To, long Term, ReadOnlyMemory<byte> Context)
    : RaftMessage(From, To, Term);

/// <summary>The leader's answer: the read may be served once <see cref="Index"/> is applied.</summary>
internal sealed record ReadIndexResponse(NodeId From, NodeId To, long Term, long Index, ReadOnlyMemory<byte> Context)
    : RaftMessage(From, To, Term);
