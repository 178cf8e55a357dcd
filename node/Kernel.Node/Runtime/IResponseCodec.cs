namespace Kernel.Node.Runtime;

/// <summary>
/// The responses of a state machine as bytes, for a strategy whose clients wait for matching replies from several
/// replicas (<see cref="Kernel.Sdk.Consensus.ClientProtocol.ReplicaQuorum"/>): every replica encodes the response its own
/// state machine computed, the member the client talks to compares the encodings and decodes the one f+1 replicas agree
/// on. Canonical: equal responses, equal bytes (a response must not depend on which member computed it).
/// </summary>
internal interface IResponseCodec
{
    /// <summary>Encodes a response <see cref="IReplicatedStateMachine.Apply"/> returned.</summary>
    byte[] EncodeResponse(object? response);

    /// <summary>Decodes what <see cref="EncodeResponse"/> wrote.</summary>
    /// <exception cref="FormatException">The bytes are not a response of this state machine.</exception>
    object? DecodeResponse(ReadOnlySpan<byte> bytes);
}
