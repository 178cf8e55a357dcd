using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Simulation.Invariants;

/// <summary>
/// State-machine safety and the applied prefix: every node applies the same entry at an index (across restarts too),
/// entries are applied in order without gaps, a snapshot never goes below what was applied, and a restarted node
/// recovers a log that covers everything it applied before its crash (applied entries were durable).
/// </summary>
internal sealed class AppliedLogSafety(SimCluster cluster) : IConsensusInvariant
{
    private readonly Dictionary<long, ulong> _appliedAt = [];

    /// <summary>True when <paramref name="index"/> was applied with this entry hash.</summary>
    public bool AppliedAtMatches(long index, ulong hash) => _appliedAt.TryGetValue(index, out var h) && h == hash;

    public void Started(SimNode n, long covered)
    {
        if (n.Byzantine)
        {
            return; // faulty replicas are not judged
        }

        if (covered < n.MaxAppliedEver)
        {
            cluster.Violate(ViolationKinds.AppliedPrefix,
                $"{n.Id} had applied up to index {n.MaxAppliedEver} but recovered a log only up to {covered} after a crash (applied entries were not durable)", n.Index);
        }
    }

    public bool Applying(SimNode n, LogEntry entry, ulong hash)
    {
        if (n.Byzantine)
        {
            return true;
        }

        if (entry.Index != n.Applied + 1)
        {
            cluster.Violate(ViolationKinds.AppliedPrefix, $"{n.Id} was handed entry {entry.Index} to apply after applying {n.Applied}", n.Index);
            if (entry.Index <= n.Applied)
            {
                return false;
            }
        }

        if (_appliedAt.TryGetValue(entry.Index, out var first))
        {
            if (first != hash)
            {
                var kind = entry.Index <= n.MaxAppliedEver ? ViolationKinds.AppliedPrefix : ViolationKinds.StateMachineSafety;
                var what = entry.Index <= n.MaxAppliedEver ? $"{n.Id} re-applied a different entry at index {entry.Index} than it applied before its restart"
                    : $"{n.Id} applied a different entry at index {entry.Index} (term {entry.Term}) than another node applied there";
                cluster.Violate(kind, what, n.Index);
            }
        }
        else
        {
            _appliedAt[entry.Index] = hash;
        }

        return true;
    }

    public void Installed(SimNode n, Snapshot snapshot)
    {
        if (n.Byzantine)
        {
            return;
        }

        if (snapshot.Index < n.Applied)
        {
            cluster.Violate(ViolationKinds.AppliedPrefix, $"{n.Id} installed a snapshot at {snapshot.Index} below its applied index {n.Applied}", n.Index);
        }
    }

    public void Processed(SimNode n, ConsensusStatus status)
    {
    }
}
