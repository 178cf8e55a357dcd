using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.MultiPaxos;

/// <summary>
/// A Multi-Paxos message: every one carries a ballot (<see cref="Term"/>), the sender's for requests and the acceptor's
/// promised one for answers. <see cref="object.ToString"/> prints one line for traces and transcripts,
/// <c>from->to Kind ballot=B ...</c>, with log entries as <c>ballot/slot</c>.
/// </summary>
internal abstract record PaxosMessage(NodeId From, NodeId To, long Term) : IProtocolMessage
{
    private protected abstract string Describe(out string details);

    public sealed override string ToString()
    {
        var kind = Describe(out var details);
        return string.Create(CultureInfo.InvariantCulture, $"{From.Value}->{To.Value} {kind} ballot={Term}{(details.Length > 0 ? " " + details : string.Empty)}");
    }

    private protected static string List(IReadOnlyList<LogEntry> entries) =>
        entries.Count > 0 ? " entries=[" + string.Join(", ", entries.Select(e => e.ToString())) + "]" : string.Empty;
}

/// <summary>Phase 1a: a proposer asks for a promise on its ballot and the values accepted from <see cref="FromSlot"/> on.</summary>
internal sealed record Prepare(NodeId From, NodeId To, long Term, long FromSlot) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"from={FromSlot}");
        return "Prepare";
    }
}

/// <summary>
/// Phase 1b: the promise (when <see cref="Granted"/>), with the acceptor's commit index, its snapshot when it compacted
/// slots the proposer asked for, and its accepted values (entries, the term of each being the ballot it was accepted in)
/// from the asked slot on. Refused: <see cref="PaxosMessage.Term"/> is the higher ballot the acceptor promised.
/// </summary>
internal sealed record Promise(NodeId From, NodeId To, long Term, bool Granted, long Commit, Snapshot? Snapshot, IReadOnlyList<LogEntry> Entries)
    : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = (Granted ? "granted" : "refused")
            + string.Create(CultureInfo.InvariantCulture, $" commit={Commit}")
            + (Snapshot is { } s ? string.Create(CultureInfo.InvariantCulture, $" snapshot={s.Index}") : string.Empty)
            + List(Entries);
        return "Promise";
    }
}

/// <summary>
/// Phase 2a from the leader of the ballot: accept the values of the slots after <see cref="PrevIndex"/> (every entry
/// carrying the ballot), and learn that slots up to <see cref="Commit"/> are chosen.
/// </summary>
internal sealed record Accept(NodeId From, NodeId To, long Term, long PrevIndex, long Commit, IReadOnlyList<LogEntry> Entries)
    : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"prev={PrevIndex} commit={Commit}") + List(Entries);
        return "Accept";
    }
}

/// <summary>
/// Phase 2b: with <see cref="Ok"/>, every slot up to <see cref="Match"/> is chosen at the acceptor or accepted in this
/// ballot; refused, <see cref="Match"/> is where the acceptor's position is known (the leader resends from after it), or
/// the ballot is the higher one the acceptor promised.
/// </summary>
internal sealed record Accepted(NodeId From, NodeId To, long Term, bool Ok, long Match, long Rejected) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = Ok
            ? string.Create(CultureInfo.InvariantCulture, $"ok match={Match}")
            : string.Create(CultureInfo.InvariantCulture, $"refused prev={Rejected} match={Match}");
        return "Accepted";
    }
}

/// <summary>The leader's heartbeat: its commit index (up to what the acceptor holds) and a read round.</summary>
internal sealed record PaxosHeartbeat(NodeId From, NodeId To, long Term, long Commit, long ReadSeq) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"commit={Commit} round={ReadSeq}");
        return "Heartbeat";
    }
}

/// <summary>Answer to a <see cref="PaxosHeartbeat"/>, echoing its read round.</summary>
internal sealed record PaxosHeartbeatResponse(NodeId From, NodeId To, long Term, long ReadSeq) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"round={ReadSeq}");
        return "HeartbeatResponse";
    }
}

/// <summary>Catch-up of a lagging acceptor whose missing slots the leader has compacted: the chosen prefix as a snapshot.</summary>
internal sealed record PaxosSnapshot(NodeId From, NodeId To, long Term, Snapshot Snapshot) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"snapshot={Snapshot.Index} data={Snapshot.Data.Length} bytes");
        return "Snapshot";
    }
}

/// <summary>A follower forwards a linearizable read to the leader.</summary>
internal sealed record PaxosReadRequest(NodeId From, NodeId To, long Term, ReadOnlyMemory<byte> Context) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = "context=" + ByteText.Format(Context.Span);
        return "ReadIndex";
    }
}

/// <summary>The leader's answer: the read may be served once <see cref="Index"/> is applied.</summary>
internal sealed record PaxosReadResponse(NodeId From, NodeId To, long Term, long Index, ReadOnlyMemory<byte> Context) : PaxosMessage(From, To, Term)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"index={Index} context={ByteText.Format(Context.Span)}");
        return "ReadIndexResponse";
    }
}
