namespace Kernel.Sdk.Replication;

/// <summary>
/// A replica that measures something once per event (a push's lag, a batch's size) and lets the verifier report the
/// distribution: <c>kernel verify</c> prints each measurement's count, percentiles and maximum over every replica, restart
/// and seed. Optional: implement it beside <see cref="IReplicaNode"/> when the strategy states a promise in such a figure
/// (real-time replication's lag budget). Measuring must not change what the replica does.
/// </summary>
public interface IMeasuredReplica
{
    /// <summary>
    /// Each measurement by name, its unit last (<c>push-lag-ticks</c>, <c>batch-entries</c>; a name ending in <c>-ticks</c>
    /// is also shown in simulated time), with its counts: a measured value and how many events had it. Counted since this
    /// replica was created; a restarted replica starts again from none (the simulator keeps what the crashed one measured).
    /// </summary>
    IReadOnlyDictionary<string, IReadOnlyDictionary<long, long>> Measurements { get; }
}
