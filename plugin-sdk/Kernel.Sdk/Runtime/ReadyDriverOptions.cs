namespace Kernel.Sdk.Runtime;

/// <summary>Runtime settings of a <see cref="ReadyDriver"/>: what a runtime decides, not the strategy.</summary>
public sealed record ReadyDriverOptions
{
    /// <summary>
    /// Take a state-machine snapshot (and compact the node's log) once this many entries were applied since the last one;
    /// 0 (the default) never does.
    /// </summary>
    public long SnapshotEvery { get; init; }

    /// <summary>
    /// Batches one <see cref="ReadyDriver.Drain"/> takes before it calls the node livelocked (it keeps reporting output);
    /// 10,000 by default.
    /// </summary>
    public int MaxBatchesPerDrain { get; init; } = 10_000;
}
