namespace Kernel.Sdk.Consensus;

/// <summary>How a client learns that its request took effect (<see cref="ConsensusCapabilities.Clients"/>).</summary>
public enum ClientProtocol
{
    /// <summary>
    /// Through a leader: a client sends to the node it believes leads, follows <see cref="ProposeResult.LeaderHint"/> when
    /// refused, and its request is done when that node applies the entry (Raft, Multi-Paxos, ZAB, VR).
    /// </summary>
    Leader,

    /// <summary>
    /// From a quorum of replicas: a request is done when f+1 replicas reply with the same result (PBFT), so no single
    /// faulty replica can answer for the cluster.
    /// </summary>
    ReplicaQuorum,
}
