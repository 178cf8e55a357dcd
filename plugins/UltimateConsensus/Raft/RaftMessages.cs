using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Raft;

/// <summary>
/// A Raft message: every one carries the sender's term. <see cref="object.ToString"/> prints one line for traces and
/// transcripts, <c>from->to Kind term=T ...</c>, with log positions as <c>term/index</c> (as etcd prints them).
/// </summary>
internal abstract record RaftMessage(NodeId From, NodeId To, long Term) : IProtocolMessage
{
    /// <summary>The message kind and its fields after the term, as <see cref="ToString"/> prints them.</summary>
    private protected abstract string Describe(out string details);

    public sealed override string ToString()
    {
        var kind = Describe(out var details);
        return string.Create(CultureInfo.InvariantCulture, $"{From.Value}->{To.Value} {kind} term={Term}{(details.Length > 0 ? " " + details : string.Empty)}");
    }

    /// <summary>A log position as <c>term/index</c>.</summary>
    private protected static string Position(long term, long index) => string.Create(CultureInfo.InvariantCulture, $"{term}/{index}");
}

/// <summary>
/// RequestVote, or a pre-vote (at the term the sender would campaign in, which it has not entered yet).
/// Transfer is set when the leader handed leadership over (TimeoutNow): voters then ignore their leader lease.
/// </summary>
internal sealed record VoteRequest(NodeId From, NodeId To, long Term, long LastLogIndex, long LastLogTerm, bool PreVote, bool Transfer)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = "last=" + Position(LastLogTerm, LastLogIndex) + (Transfer ? " transfer" : string.Empty);
        return PreVote ? "PreVote" : "Vote";
    }
}

/// <summary>Answer to a <see cref="VoteRequest"/>.</summary>
internal sealed record VoteResponse(NodeId From, NodeId To, long Term, bool PreVote, bool Granted)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = Granted ? "granted" : "rejected";
        return PreVote ? "PreVoteResponse" : "VoteResponse";
    }
}

/// <summary>AppendEntries: entries after (PrevLogIndex, PrevLogTerm), and the leader's commit index.</summary>
internal sealed record AppendRequest(NodeId From, NodeId To, long Term, long PrevLogIndex, long PrevLogTerm, long Commit, IReadOnlyList<LogEntry> Entries)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"prev={Position(PrevLogTerm, PrevLogIndex)} commit={Commit}")
            + (Entries.Count > 0 ? " entries=[" + string.Join(", ", Entries.Select(e => e.ToString())) + "]" : string.Empty);
        return "Append";
    }
}

/// <summary>
/// Answer to an <see cref="AppendRequest"/>. On success <see cref="Index"/> is the follower's last index matching the leader.
/// On rejection <see cref="Index"/> is the rejected PrevLogIndex, and (<see cref="HintIndex"/>, <see cref="HintTerm"/>) is the
/// largest entry of the follower at or below min(PrevLogIndex, its last index) whose term is at most PrevLogTerm
/// (etcd's findConflictByTerm), so the leader skips a whole conflicting term per round trip.
/// </summary>
internal sealed record AppendResponse(NodeId From, NodeId To, long Term, bool Success, long Index, long HintIndex, long HintTerm)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = Success
            ? string.Create(CultureInfo.InvariantCulture, $"ok match={Index}") + (HintIndex != 0 || HintTerm != 0 ? " hint=" + Position(HintTerm, HintIndex) : string.Empty)
            : string.Create(CultureInfo.InvariantCulture, $"rejected prev={Index} hint={Position(HintTerm, HintIndex)}");
        return "AppendResponse";
    }
}

/// <summary>Heartbeat: commit is min(follower's match, leader's commit); <see cref="ReadSeq"/> is the leader's read round.</summary>
internal sealed record Heartbeat(NodeId From, NodeId To, long Term, long Commit, long ReadSeq)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"commit={Commit} round={ReadSeq}");
        return "Heartbeat";
    }
}

/// <summary>Answer to a <see cref="Heartbeat"/>, echoing its read round.</summary>
internal sealed record HeartbeatResponse(NodeId From, NodeId To, long Term, long ReadSeq)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"round={ReadSeq}");
        return "HeartbeatResponse";
    }
}

/// <summary>InstallSnapshot: the whole snapshot in one message.</summary>
internal sealed record InstallSnapshot(NodeId From, NodeId To, long Term, Snapshot Snapshot)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"snapshot={Position(Snapshot.Term, Snapshot.Index)} {Snapshot.Membership} data={Snapshot.Data.Length} bytes");
        return "Snapshot";
    }
}

/// <summary>Answer to an <see cref="InstallSnapshot"/>: the follower's last index afterwards.</summary>
internal sealed record InstallSnapshotResponse(NodeId From, NodeId To, long Term, long LastIndex)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"last={LastIndex}");
        return "SnapshotResponse";
    }
}

/// <summary>Tells the transfer target to campaign at once, bypassing pre-vote.</summary>
internal sealed record TimeoutNow(NodeId From, NodeId To, long Term)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Empty;
        return "TimeoutNow";
    }
}

/// <summary>A follower forwards a ReadIndex request to its leader.</summary>
internal sealed record ReadIndexRequest(NodeId From, NodeId To, long Term, ReadOnlyMemory<byte> Context)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = "context=" + ByteText.Format(Context.Span);
        return "ReadIndex";
    }
}

/// <summary>The leader's answer: the read may be served once <see cref="Index"/> is applied.</summary>
internal sealed record ReadIndexResponse(NodeId From, NodeId To, long Term, long Index, ReadOnlyMemory<byte> Context)
    : RaftMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"index={Index} context={ByteText.Format(Context.Span)}");
        return "ReadIndexResponse";
    }
}
