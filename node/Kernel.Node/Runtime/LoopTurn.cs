using System.Diagnostics;

namespace Kernel.Node.Runtime;

/// <summary>
/// Where one turn of a member's loop spent its time (handling inputs, then the Ready driver's write, fsync, send, apply and
/// snapshot), in <see cref="Stopwatch"/> ticks; a turn longer than the node's tick is logged, as etcd warns of a leader
/// that failed to send its heartbeat on time. Owned by the loop.
/// </summary>
internal sealed class LoopTurn
{
    private long _started;
    private long _handled;
    private int _inputs;

    public long Write { get; set; }

    public long Sync { get; set; }

    public long Send { get; set; }

    public long Apply { get; set; }

    public long Snapshot { get; set; }

    public long SnapshotBytes { get; set; }

    /// <summary>Starts a turn (before its inputs are handled).</summary>
    public void Start()
    {
        _started = Stopwatch.GetTimestamp();
        Write = Sync = Send = Apply = Snapshot = SnapshotBytes = 0;
    }

    /// <summary>Marks the end of handling the turn's <paramref name="inputs"/> inputs (the driver's part follows).</summary>
    public void Handled(int inputs)
    {
        _handled = Stopwatch.GetTimestamp();
        _inputs = inputs;
    }

    /// <summary>The turn's total wall time so far, in milliseconds.</summary>
    public double ElapsedMilliseconds => Milliseconds(Stopwatch.GetTimestamp() - _started);

    /// <summary>Milliseconds spent handling the turn's inputs.</summary>
    public double HandleMilliseconds => Milliseconds(_handled - _started);

    /// <summary>The number of inputs the turn handled.</summary>
    public int Inputs => _inputs;

    public static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
