using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Vr;

/// <summary>
/// A VR message (Liskov and Cowling, VRR 2012): every one carries the sender's view. <see cref="object.ToString"/> prints one
/// line for traces and transcripts, <c>from->to Kind view=V ...</c>, log positions as <c>view/op</c>.
/// </summary>
internal abstract record VrMessage(NodeId From, NodeId To, long View) : IProtocolMessage
{
    private protected abstract string Describe(out string details);

    public sealed override string ToString()
    {
        var kind = Describe(out var details);
        return string.Create(CultureInfo.InvariantCulture, $"{From.Value}->{To.Value} {kind} view={View}{(details.Length > 0 ? " " + details : string.Empty)}");
    }

    private protected static string Position(long view, long op) => string.Create(CultureInfo.InvariantCulture, $"{view}/{op}");

    private protected static string Text(IReadOnlyList<LogEntry> entries) =>
        entries.Count > 0 ? " entries=[" + string.Join(", ", entries.Select(e => e.ToString())) + "]" : string.Empty;

    private protected static string Text(Snapshot? snapshot) =>
        snapshot is null ? string.Empty : " snapshot=" + Position(snapshot.Term, snapshot.Index);
}

/// <summary>Prepare: the primary's entries after (PrevOp, PrevView), with its commit-number (a batch of VRR's Prepares).</summary>
internal sealed record Prepare(NodeId From, NodeId To, long View, long PrevOp, long PrevView, long Commit, IReadOnlyList<LogEntry> Entries)
    : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"prev={Position(PrevView, PrevOp)} commit={Commit}") + Text(Entries);
        return "Prepare";
    }
}

/// <summary>PrepareOK: the backup's log, a prefix of the primary's, holds every op up to <see cref="Op"/>, durably.</summary>
internal sealed record PrepareOk(NodeId From, NodeId To, long View, long Op) : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"op={Op}");
        return "PrepareOK";
    }
}

/// <summary>Commit: the primary's commit-number; also its heartbeat.</summary>
internal sealed record Commit(NodeId From, NodeId To, long View, long CommitNumber) : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"commit={CommitNumber}");
        return "Commit";
    }
}

/// <summary>StartViewChange: the sender moved to <see cref="VrMessage.View"/> and accepts no Prepare of an earlier view.</summary>
internal sealed record StartViewChange(NodeId From, NodeId To, long View) : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Empty;
        return "StartViewChange";
    }
}

/// <summary>
/// DoViewChange to the new primary: the sender's last normal view and the end of its log. The log itself is fetched
/// (<see cref="GetState"/>) only from the replica whose log is chosen, when that is not the new primary.
/// </summary>
internal sealed record DoViewChange(NodeId From, NodeId To, long View, long LastNormalView, long Op, long OpView, long Commit)
    : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"normal={LastNormalView} last={Position(OpView, Op)} commit={Commit}");
        return "DoViewChange";
    }
}

/// <summary>StartView: the new primary's log is its log up to (BaseView, BaseOp), its commit-number, then <see cref="Entries"/> up to <see cref="Op"/>.</summary>
internal sealed record StartView(NodeId From, NodeId To, long View, long Op, long Commit, long BaseOp, long BaseView, IReadOnlyList<LogEntry> Entries)
    : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"op={Op} commit={Commit} base={Position(BaseView, BaseOp)}") + Text(Entries);
        return "StartView";
    }
}

/// <summary>GetState (state transfer): send me your log from <see cref="FromOp"/> on.</summary>
internal sealed record GetState(NodeId From, NodeId To, long View, long FromOp) : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"from={FromOp}");
        return "GetState";
    }
}

/// <summary>NewState: the sender's whole log from the asked op (a snapshot first when that part is compacted) up to <see cref="Op"/>.</summary>
internal sealed record NewState(NodeId From, NodeId To, long View, long Op, long OpView, long Commit, Snapshot? Snapshot, IReadOnlyList<LogEntry> Entries)
    : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"last={Position(OpView, Op)} commit={Commit}") + Text(Snapshot) + Text(Entries);
        return "NewState";
    }
}

/// <summary>Recovery: the sender restarted without (trustworthy) state; answers must echo <see cref="Nonce"/>.</summary>
internal sealed record Recovery(NodeId From, NodeId To, long View, long Nonce, long FromOp) : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"nonce={Nonce} from={FromOp}");
        return "Recovery";
    }
}

/// <summary>
/// RecoveryResponse: the responder's view, status and log end. The primary of that view adds its log from the asked op
/// on (as <see cref="NewState"/> does). <see cref="Pristine"/> says the responder holds nothing at all (view 0, empty log):
/// a new cluster's replicas start when every one is pristine.
/// </summary>
internal sealed record RecoveryResponse(
    NodeId From, NodeId To, long View, long Nonce, VrStatus Status, bool Pristine, bool IsPrimary, long Op, long OpView, long Commit,
    Snapshot? Snapshot, IReadOnlyList<LogEntry> Entries)
    : VrMessage(From, To, View)
{
    private protected override string Describe(out string details)
    {
        details = string.Create(CultureInfo.InvariantCulture, $"nonce={Nonce} {Status.ToString().ToLowerInvariant()}")
            + (Pristine ? " pristine" : string.Empty)
            + (IsPrimary ? " primary" : string.Empty)
            + string.Create(CultureInfo.InvariantCulture, $" last={Position(OpView, Op)} commit={Commit}") + Text(Snapshot) + Text(Entries);
        return "RecoveryResponse";
    }
}
