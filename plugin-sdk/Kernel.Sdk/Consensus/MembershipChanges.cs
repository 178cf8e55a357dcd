namespace Kernel.Sdk.Consensus;

/// <summary>What membership changes a protocol supports (<see cref="ConsensusCapabilities.MembershipChanges"/>).</summary>
public enum MembershipChanges
{
    /// <summary>The membership is fixed at creation: <see cref="IConsensusNode.ProposeMembershipChange"/> always refuses.</summary>
    None,

    /// <summary>
    /// One server at a time, as Raft's single-server changes: add a learner, promote it once caught up, remove a member
    /// (<see cref="MembershipChangeKind"/>). The verifier's membership nemesis drives exactly these.
    /// </summary>
    SingleServer,
}
