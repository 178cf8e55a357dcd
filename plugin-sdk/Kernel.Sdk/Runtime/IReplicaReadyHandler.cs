using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Runtime;

/// <summary>What a runtime does with a replica's output when <see cref="ReadyDriver"/> hands it over.</summary>
public interface IReplicaReadyHandler : IReadyHandler<ReplicaReady>
{
    /// <summary>Hands a client its response (the bytes of the model's response).</summary>
    void Respond(long requestId, ReadOnlyMemory<byte> response);
}
