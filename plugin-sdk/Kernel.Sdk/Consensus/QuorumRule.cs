namespace Kernel.Sdk.Consensus;

/// <summary>
/// How many of a protocol's voters make a quorum, owned by the protocol (<see cref="ConsensusCapabilities.Quorum"/>):
/// a simple majority for crash-fault protocols (Raft, Multi-Paxos, ZAB, VR), two thirds plus one for Byzantine ones
/// (PBFT: 2f+1 of 3f+1). A protocol with another rule (flexible quorums) derives its own.
/// </summary>
public abstract class QuorumRule
{
    /// <summary>A majority of the voters: ⌊n/2⌋+1, tolerating ⌊(n-1)/2⌋ crashed voters.</summary>
    public static QuorumRule Majority { get; } = new MajorityRule();

    /// <summary>
    /// Byzantine quorums: with f = ⌊(n-1)/3⌋ faulty voters tolerated, ⌈(n+f+1)/2⌉ voters, so that two quorums share at
    /// least f+1 voters (one of them honest) and the n-f honest ones still make one: 2f+1 when n = 3f+1, as in PBFT.
    /// </summary>
    public static QuorumRule Byzantine { get; } = new ByzantineRule();

    /// <summary>The rule's name, for listings and messages.</summary>
    public abstract string Name { get; }

    /// <summary>Voters needed for a quorum among <paramref name="voters"/>.</summary>
    public abstract int Size(int voters);

    /// <summary>Faulty voters (crashed, or Byzantine for a Byzantine rule) a cluster of <paramref name="voters"/> tolerates.</summary>
    public abstract int FaultsTolerated(int voters);

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class MajorityRule : QuorumRule
    {
        public override string Name => "majority";

        public override int Size(int voters) => (voters / 2) + 1;

        public override int FaultsTolerated(int voters) => Math.Max(0, (voters - 1) / 2);
    }

    private sealed class ByzantineRule : QuorumRule
    {
        public override string Name => "byzantine (2f+1 of 3f+1)";

        public override int Size(int voters) => (voters + FaultsTolerated(voters) + 2) / 2;

        public override int FaultsTolerated(int voters) => Math.Max(0, (voters - 1) / 3);
    }
}
