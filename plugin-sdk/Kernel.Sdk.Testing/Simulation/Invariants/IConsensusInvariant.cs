using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Simulation.Invariants;

/// <summary>
/// A protocol invariant the consensus host checks as the cluster runs. Each checker sees the events it needs and reports
/// through <see cref="SimCluster.Violate"/>; the host calls every registered checker, in order, at each event.
/// </summary>
internal interface IConsensusInvariant
{
    /// <summary>A node (re)started from storage that covers the log up to <paramref name="covered"/>.</summary>
    void Started(SimNode n, long covered);

    /// <summary>A node is about to apply <paramref name="entry"/> (its hash is <paramref name="hash"/>); false skips applying it.</summary>
    bool Applying(SimNode n, LogEntry entry, ulong hash);

    /// <summary>A node installed a snapshot.</summary>
    void Installed(SimNode n, Snapshot snapshot);

    /// <summary>A node finished processing its output and reports <paramref name="status"/>.</summary>
    void Processed(SimNode n, ConsensusStatus status);
}
