using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Zab;

/// <summary>
/// A ZAB message. <see cref="object.ToString"/> prints one line for traces and transcripts, <c>from->to Kind ...</c>,
/// with zxids as <c>epoch/index</c>: the epoch of the leader that proposed the entry and its log position, which orders
/// entries exactly as ZooKeeper's (epoch, counter) zxids do (within an epoch both grow together).
/// </summary>
internal abstract record ZabMessage(NodeId From, NodeId To) : IProtocolMessage
{
    private protected abstract string Describe(out string details);

    public sealed override string ToString()
    {
        var kind = Describe(out var details);
        return string.Create(CultureInfo.InvariantCulture, $"{From.Value}->{To.Value} {kind}{(details.Length > 0 ? " " + details : string.Empty)}");
    }

    private protected static string Zxid(long epoch, long index) => string.Create(CultureInfo.InvariantCulture, $"{epoch}/{index}");

    private protected static string EntriesText(IReadOnlyList<LogEntry> entries) =>
        entries.Count > 0 ? " entries=[" + string.Join(", ", entries.Select(e => e.ToString())) + "]" : string.Empty;
}

/// <summary>What a node is doing, as fast leader election's notifications tell it.</summary>
internal enum PeerState : byte
{
    Looking = 0,
    Following = 1,
    Leading = 2,
}

/// <summary>
/// A fast-leader-election notification: the sender's election round, its state and the vote it holds: a leader, that
/// leader's currentEpoch and its last zxid. Votes are ordered by (epoch, zxid, id).
/// </summary>
internal sealed record Notification(NodeId From, NodeId To, long Round, PeerState State, NodeId Leader, long VoteEpoch, long ZxidEpoch, long ZxidIndex)
    : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"round={Round} {State.ToString().ToLowerInvariant()} vote={Leader.Value} epoch={VoteEpoch} zxid={Zxid(ZxidEpoch, ZxidIndex)}");
        return "Notification";
    }
}

/// <summary>FOLLOWERINFO: a follower tells the leader it elected the last epoch it accepted.</summary>
internal sealed record FollowerInfo(NodeId From, NodeId To, long AcceptedEpoch) : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"acceptedEpoch={AcceptedEpoch}");
        return "FollowerInfo";
    }
}

/// <summary>LEADERINFO (the paper's NEWEPOCH): the epoch the leader proposes, above every accepted epoch of a quorum.</summary>
internal sealed record LeaderInfo(NodeId From, NodeId To, long Epoch) : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"epoch={Epoch}");
        return "LeaderInfo";
    }
}

/// <summary>
/// ACKEPOCH: the follower accepted <see cref="Epoch"/> and reports its currentEpoch and last zxid, and where each epoch
/// of its log ends (<see cref="Boundaries"/>: (epoch, last index) pairs from its snapshot point up), which the leader
/// needs to find where the follower's history leaves its own. <see cref="Counted"/> is false when the follower had
/// accepted this epoch already before (ZooKeeper's ACKEPOCH of -1): it is synchronized but does not count towards the
/// epoch's quorum.
/// </summary>
internal sealed record AckEpoch(NodeId From, NodeId To, long Epoch, long CurrentEpoch, long LastEpoch, long LastIndex, bool Counted, IReadOnlyList<EpochBoundary> Boundaries)
    : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"epoch={Epoch} currentEpoch={CurrentEpoch} last={Zxid(LastEpoch, LastIndex)}")
            + (Counted ? string.Empty : " again")
            + " history=[" + string.Join(", ", Boundaries.Select(b => Zxid(b.Epoch, b.LastIndex))) + "]";
        return "AckEpoch";
    }
}

/// <summary>Where the entries of one epoch end in a log.</summary>
internal readonly record struct EpochBoundary(long Epoch, long LastIndex);

/// <summary>How a leader brings a follower's history to its own.</summary>
internal enum SyncMode : byte
{
    /// <summary>The follower's history is a prefix of the leader's: send what follows.</summary>
    Diff = 0,

    /// <summary>The follower holds proposals the leader does not: truncate after <see cref="Sync.TruncateTo"/>, then send what follows.</summary>
    Trunc = 1,

    /// <summary>The leader no longer holds what the follower needs: send its snapshot, then what follows it.</summary>
    Snap = 2,
}

/// <summary>
/// The synchronization of phase 2 in one message: DIFF, TRUNC or SNAP (with the snapshot), the leader's entries after the
/// common point, then NEWLEADER for <see cref="Epoch"/>. The follower makes its history the leader's, persists
/// currentEpoch = <see cref="Epoch"/>, and acknowledges. The entries always include the leader's NEWLEADER entry (an empty
/// entry at the start of its epoch), which replaces anything the follower held past the common point.
/// </summary>
internal sealed record Sync(NodeId From, NodeId To, long Epoch, SyncMode Mode, long TruncateTo, Snapshot? Snapshot, IReadOnlyList<LogEntry> Entries, long Commit)
    : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"epoch={Epoch} {Mode.ToString().ToUpperInvariant()}")
            + (Mode == SyncMode.Trunc ? string.Create(CultureInfo.InvariantCulture, $" to={TruncateTo}") : string.Empty)
            + (Snapshot is { } s ? string.Create(CultureInfo.InvariantCulture, $" snapshot={Zxid(s.Term, s.Index)} data={s.Data.Length} bytes") : string.Empty)
            + string.Create(CultureInfo.InvariantCulture, $" commit={Commit}")
            + EntriesText(Entries);
        return "Sync";
    }
}

/// <summary>
/// ACK: the follower holds the leader's history up to <see cref="Index"/> (cumulative). <see cref="NewLeader"/> marks
/// the acknowledgement of NEWLEADER, after which the follower counts towards commits.
/// </summary>
internal sealed record Ack(NodeId From, NodeId To, long Epoch, long Index, bool NewLeader) : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"epoch={Epoch} index={Index}") + (NewLeader ? " newleader" : string.Empty);
        return "Ack";
    }
}

/// <summary>PROPOSAL: entries of the leader's epoch, contiguous, with the leader's commit index piggybacked.</summary>
internal sealed record Proposal(NodeId From, NodeId To, long Epoch, IReadOnlyList<LogEntry> Entries, long Commit) : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"epoch={Epoch} commit={Commit}") + EntriesText(Entries);
        return "Proposal";
    }
}

/// <summary>COMMIT, also the leader's ping: everything up to <see cref="Index"/> is committed. Answered with an <see cref="Ack"/>.</summary>
internal sealed record Commit(NodeId From, NodeId To, long Epoch, long Index) : ZabMessage(From, To)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"epoch={Epoch} index={Index}");
        return "Commit";
    }
}
