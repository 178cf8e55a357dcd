using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Runtime;

/// <summary>What a runtime does with a replica's output when <see cref="ReadyDriver"/> hands it over.</summary>
public interface IReplicaReadyHandler
{
    /// <summary>Whether to go on at <paramref name="stage"/> of <paramref name="ready"/> (null at <see cref="ReadyStage.Next"/>); <paramref name="index"/> is the write or message number where the stage has one.</summary>
    bool Continue(ReadyStage stage, ReplicaReady? ready, int index);

    /// <summary>Sends a message (the writes before it are durable).</summary>
    void Send(IProtocolMessage message);

    /// <summary>Hands a client its response.</summary>
    void Respond(long requestId, KvResult result);
}
