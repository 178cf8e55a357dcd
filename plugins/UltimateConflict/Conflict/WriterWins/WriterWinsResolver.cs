using Kernel.Sdk.Conflict;

namespace UltimateConflict.Conflict.WriterWins;

/// <summary>What a writer-wins resolver decided: the winner, and every other distinct version it superseded.</summary>
internal sealed record WriterWinsDecision(VersionedValue Winner, IReadOnlyList<VersionedValue> Superseded, string Reason);

/// <summary>
/// One version wins by timestamp (latest or earliest), ties broken by node priority, then replica id, then clock and
/// value bytes (<see cref="WinnerOrder"/>): a total order, so every replica keeps the same winner. The explanation is
/// the audit record: the winner, why, and every superseded version with its replica, timestamp, clock and value.
/// </summary>
internal sealed class WriterWinsResolver(string instance, WinnerOrder order) : IConflictResolver
{
    public WriterWinsDecision Decide(IReadOnlyList<VersionedValue> versions)
    {
        var ranked = order.Rank(Versions.Distinct(versions));
        var reason = ranked.Length == 1 ? "only version" : order.Reason(ranked[0], ranked[1]);
        return new WriterWinsDecision(ranked[0], ranked[1..], reason);
    }

    public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var decision = Decide(conflict.Versions);
        return Resolution.Winner(decision.Winner, Explain(instance, decision));
    }

    /// <summary>The audit line: <c>conflict/NAME kept V (why); superseded N: V1 | V2</c>.</summary>
    public static string Explain(string instance, WriterWinsDecision decision) =>
        $"conflict/{instance} kept {Versions.Format(decision.Winner)} ({decision.Reason}); superseded {decision.Superseded.Count}"
        + (decision.Superseded.Count == 0 ? string.Empty : ": " + Versions.FormatAll(decision.Superseded));
}
