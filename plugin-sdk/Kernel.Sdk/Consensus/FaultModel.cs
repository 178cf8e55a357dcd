namespace Kernel.Sdk.Consensus;

/// <summary>Which faults a protocol claims to survive (<see cref="ConsensusCapabilities.Faults"/>).</summary>
public enum FaultModel
{
    /// <summary>Nodes crash and recover from their disks; messages are lost, duplicated and reordered but never forged.</summary>
    CrashRecovery,

    /// <summary>
    /// Up to f nodes behave arbitrarily (equivocate, replay, forge what they can, fall silent). Messages between honest
    /// nodes are authenticated with the per-link keys the runtime hands in (<see cref="ConsensusNodeOptions.LinkKeys"/>).
    /// </summary>
    Byzantine,
}
