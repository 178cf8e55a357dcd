using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Testing.Simulation.Hosts;

/// <summary>
/// How a <see cref="SimCluster"/> runs one kind of node: a consensus node (<see cref="ConsensusHost"/>), a replica
/// (<see cref="ReplicaHost"/>), and room for others (a Byzantine host running faulty copies beside honest ones). The
/// cluster owns time, the event queue, the network and the disks; a host starts nodes from their disks, hands them ticks
/// and messages, and runs their output through the one <see cref="Runtime.ReadyDriver"/>.
/// </summary>
internal interface ISimNodeHost
{
    /// <summary>Starts (or restarts) a node from its disk; on failure the node stays down and a violation is recorded.</summary>
    void Start(SimNode n);

    /// <summary>Advances the node's logical clock by one tick (the cluster reports what it throws).</summary>
    void Tick(SimNode n);

    /// <summary>Hands the node a message the network delivered (the cluster reports what it throws).</summary>
    void Step(SimNode n, IProtocolMessage message);

    /// <summary>Runs the node's output until it has none (or the node goes down).</summary>
    void Process(SimNode n);
}
