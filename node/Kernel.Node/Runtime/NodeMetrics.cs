using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Kernel.Node.Runtime;

/// <summary>
/// A member's instruments on the <see cref="MeterName"/> meter (what the kernel exports to Prometheus through
/// OpenTelemetry), each tagged with the member's name and the cluster's id (hex). Counted on the member's loop only.
/// </summary>
internal sealed class NodeMetrics : IDisposable
{
    /// <summary>The meter's name: <c>Kernel.Node</c>.</summary>
    public const string MeterName = "Kernel.Node";

    private readonly Meter _meter;
    private readonly TagList _member;
    private readonly Counter<long> _applied;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _leaderChanges;
    private readonly Counter<long> _snapshots;
    private readonly Histogram<double> _fsync;
    private readonly Histogram<double> _apply;
    private readonly Histogram<double> _turn;
    private readonly Histogram<double> _snapshot;
    private readonly Histogram<long> _snapshotBytes;

    /// <summary>Creates the instruments of one member.</summary>
    /// <param name="member">The member's name (the <c>member</c> tag).</param>
    /// <param name="clusterId">The cluster's id (the <c>cluster</c> tag, 16 hex digits).</param>
    /// <param name="hasLeader">Whether the member knows a leader now.</param>
    /// <param name="isLeader">Whether the member leads now.</param>
    /// <param name="pending">Proposals and reads held now.</param>
    /// <param name="indexes">The member's commit and applied indexes now.</param>
    public NodeMetrics(string member, ulong clusterId, Func<bool> hasLeader, Func<bool> isLeader, Func<int> pending, Func<(long Committed, long Applied)> indexes)
    {
        _meter = new Meter(MeterName);
        _member = new TagList { { "member", member }, { "cluster", clusterId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) } };
        _applied = _meter.CreateCounter<long>("kernel.node.entries.applied", "{entry}", "Committed log entries applied to the state machine.");
        _completed = _meter.CreateCounter<long>("kernel.node.proposals.completed", "{proposal}", "This member's proposals applied and answered.");
        _failed = _meter.CreateCounter<long>("kernel.node.proposals.failed", "{proposal}", "Proposals and reads that failed, by outcome (rejected: not applied; unknown: maybe applied).");
        _leaderChanges = _meter.CreateCounter<long>("kernel.node.leader.changes", "{change}", "Changes of the leader or term this member saw.");
        _snapshots = _meter.CreateCounter<long>("kernel.node.snapshots", "{snapshot}", "State-machine snapshots installed from a leader.");
        _fsync = _meter.CreateHistogram<double>("kernel.node.wal.fsync.duration", "s", "Time to make one batch of the WAL durable.");
        _apply = _meter.CreateHistogram<double>("kernel.node.apply.duration", "s", "Time to apply one batch of committed entries.");
        _turn = _meter.CreateHistogram<double>("kernel.node.loop.turn.duration", "s", "One turn of the member's loop: handling the queued inputs, then persisting, syncing, sending and applying.");
        _snapshot = _meter.CreateHistogram<double>("kernel.node.snapshot.duration", "s", "Time to encode one state-machine snapshot (off the loop).");
        _snapshotBytes = _meter.CreateHistogram<long>("kernel.node.snapshot.size", "By", "Size of one state-machine snapshot.");
        _meter.CreateObservableCounter("kernel.node.proposals.committed", () => new Measurement<long>(indexes().Committed, _member), "{entry}", "The member's commit index: log entries known committed.");
        _meter.CreateObservableCounter("kernel.node.proposals.applied", () => new Measurement<long>(indexes().Applied, _member), "{entry}", "The member's applied index: log entries applied to its state machine.");
        _meter.CreateObservableGauge("kernel.node.has_leader", () => new Measurement<int>(hasLeader() ? 1 : 0, _member), description: "1 when the member knows a leader.");
        _meter.CreateObservableGauge("kernel.node.is_leader", () => new Measurement<int>(isLeader() ? 1 : 0, _member), description: "1 when the member leads.");
        _meter.CreateObservableGauge("kernel.node.proposals.pending", () => new Measurement<int>(pending(), _member), "{proposal}", "Proposals and linearizable reads held.");
    }

    public void Applied(int entries) => _applied.Add(entries, _member);

    public void Completed() => _completed.Add(1, _member);

    public void Failed(bool unknown)
    {
        var tags = _member;
        tags.Add("outcome", unknown ? "unknown" : "rejected");
        _failed.Add(1, tags);
    }

    public void LeaderChanged() => _leaderChanges.Add(1, _member);

    public void SnapshotInstalled() => _snapshots.Add(1, _member);

    public void Fsync(long startTimestamp) => _fsync.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _member);

    public void Apply(long startTimestamp) => _apply.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _member);

    public void Turn(double seconds) => _turn.Record(seconds, _member);

    public void SnapshotTaken(long startTimestamp, int bytes)
    {
        _snapshot.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _member);
        _snapshotBytes.Record(bytes, _member);
    }

    public void Dispose() => _meter.Dispose();
}
