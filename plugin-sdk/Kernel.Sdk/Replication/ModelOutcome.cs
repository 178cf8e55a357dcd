namespace Kernel.Sdk.Replication;

/// <summary>What applying a command to a key's value gave (<see cref="IReplicaModel.Apply"/>).</summary>
/// <param name="Value">The key's value afterwards; null when the key is absent afterwards (deleted, or never written).</param>
/// <param name="Response">The response to hand the client, as the model encodes it.</param>
public readonly record struct ModelOutcome(ReadOnlyMemory<byte>? Value, ReadOnlyMemory<byte> Response);
