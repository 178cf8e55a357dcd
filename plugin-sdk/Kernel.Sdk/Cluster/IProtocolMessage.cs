using System.Buffers;

namespace Kernel.Sdk.Cluster;

/// <summary>A protocol message between two nodes. Each strategy defines its own message types and a codec for them.</summary>
public interface IProtocolMessage
{
    /// <summary>The sender.</summary>
    NodeId From { get; }

    /// <summary>The receiver.</summary>
    NodeId To { get; }
}

/// <summary>Turns a strategy's messages into bytes for a transport and back. Must round-trip every message exactly.</summary>
public interface IMessageCodec
{
    /// <summary>Writes the message.</summary>
    void Encode(IProtocolMessage message, IBufferWriter<byte> output);

    /// <summary>Reads a message; throws <see cref="FormatException"/> on malformed input.</summary>
    IProtocolMessage Decode(ReadOnlySpan<byte> input);
}
