using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.Async;

/// <summary>The codec of <see cref="AsyncMessage"/>: type, sender, receiver, op, seq, key, flags, payload, cells.</summary>
internal sealed class AsyncCodec : IMessageCodec
{
    public static AsyncCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (AsyncMessage)message;
        var w = new BinaryOut(output);
        w.Byte((byte)m.Type);
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.Op);
        w.Varint(m.Seq);
        CellCodec.Key(w, m.Key);
        w.Byte(m.Flags);
        w.Bytes(m.Payload.Span);
        CellCodec.Cells(w, m.Cells);
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var type = (AsyncMessageType)r.Byte();
        if (type is < AsyncMessageType.Forward or > AsyncMessageType.Ack)
        {
            throw new FormatException($"Unknown async replication message type {(byte)type}.");
        }

        var message = new AsyncMessage(type, r.Node(), r.Node())
        {
            Op = r.Varint(),
            Seq = r.Varint(),
            Key = CellCodec.Key(ref r),
            Flags = r.Byte(),
            Payload = r.Bytes(),
            Cells = CellCodec.Cells(ref r),
        };
        r.End();
        return message;
    }
}
