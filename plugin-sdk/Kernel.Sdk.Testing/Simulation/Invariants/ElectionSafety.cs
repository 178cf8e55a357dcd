using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Simulation.Invariants;

/// <summary>Election safety (Raft §5.2, and a ballot, epoch or view for other protocols): at most one leader per term.</summary>
internal sealed class ElectionSafety(SimCluster cluster) : IConsensusInvariant
{
    private readonly Dictionary<long, NodeId> _leaders = [];

    public void Started(SimNode n, long covered)
    {
    }

    public bool Applying(SimNode n, LogEntry entry, ulong hash) => true;

    public void Installed(SimNode n, Snapshot snapshot)
    {
    }

    public void Processed(SimNode n, ConsensusStatus status)
    {
        if (status.Role != ConsensusRole.Leader || n.Byzantine)
        {
            return;
        }

        if (_leaders.TryGetValue(status.Term, out var other))
        {
            if (other != n.Id)
            {
                cluster.Violate(ViolationKinds.ElectionSafety, $"{n.Id} and {other} both led term {status.Term}", n.Index);
            }
        }
        else
        {
            _leaders[status.Term] = n.Id;
        }
    }
}
