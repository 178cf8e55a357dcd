namespace Kernel.Sdk.Consensus;

/// <summary>
/// What a consensus protocol offers, declared by its strategy (<see cref="IConsensusStrategy.Capabilities"/>). Runtimes,
/// the simulator's nemesis and the verifier use only what is declared: no membership nemesis for a protocol with a fixed
/// membership, no leadership transfers where there is none, reads through the log where there is no ReadIndex.
/// </summary>
public sealed record ConsensusCapabilities
{
    /// <summary>The quorum rule (default: <see cref="QuorumRule.Majority"/>).</summary>
    public QuorumRule Quorum { get; init; } = QuorumRule.Majority;

    /// <summary>The membership changes supported (default: none).</summary>
    public MembershipChanges MembershipChanges { get; init; }

    /// <summary>True when <see cref="IConsensusNode.TransferLeadership"/> can hand leadership over.</summary>
    public bool LeadershipTransfer { get; init; }

    /// <summary>True when <see cref="IConsensusNode.ReadIndex"/> serves linearizable reads without writing to the log.</summary>
    public bool ReadIndex { get; init; }

    /// <summary>How clients learn their requests took effect (default: through a leader).</summary>
    public ClientProtocol Clients { get; init; }

    /// <summary>The faults the protocol claims to survive (default: crash-recovery).</summary>
    public FaultModel Faults { get; init; }
}
