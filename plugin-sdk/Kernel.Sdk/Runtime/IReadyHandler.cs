using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Runtime;

/// <summary>
/// What every runtime side of a <see cref="ReadyDriver"/> does, whatever the kind of node: answer at each
/// <see cref="ReadyStage"/> and carry messages. <see cref="IConsensusReadyHandler"/> and <see cref="IReplicaReadyHandler"/>
/// add what their kind of output needs.
/// </summary>
/// <typeparam name="TReady">The kind of batch: <see cref="Consensus.Ready"/> or <see cref="Replication.ReplicaReady"/>.</typeparam>
public interface IReadyHandler<in TReady>
    where TReady : class
{
    /// <summary>
    /// Whether to go on at <paramref name="stage"/> of <paramref name="ready"/> (null at <see cref="ReadyStage.Next"/>);
    /// <paramref name="index"/> is the write or message number where the stage has one.
    /// </summary>
    bool Continue(ReadyStage stage, TReady? ready, int index);

    /// <summary>Sends a message (the state it depends on is durable).</summary>
    void Send(IProtocolMessage message);
}
