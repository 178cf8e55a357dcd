using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.RealTime;

/// <summary>The codec of <see cref="RealTimeMessage"/>: type, sender, receiver, incarnation, seq, hashes, ranges, cells.</summary>
internal sealed class RealTimeCodec : IMessageCodec
{
    public static RealTimeCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (RealTimeMessage)message;
        var w = new BinaryOut(output);
        w.Byte((byte)m.Type);
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.Incarnation);
        w.Varint(m.Seq);
        CellCodec.Hashes(w, m.Hashes);
        CellCodec.Ranges(w, m.Ranges);
        CellCodec.Cells(w, m.Cells);
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var type = (RealTimeMessageType)r.Byte();
        if (type is < RealTimeMessageType.Push or > RealTimeMessageType.EntriesAck)
        {
            throw new FormatException($"Unknown real-time replication message type {(byte)type}.");
        }

        var message = new RealTimeMessage(type, r.Node(), r.Node())
        {
            Incarnation = r.Varint(),
            Seq = r.Varint(),
            Hashes = CellCodec.Hashes(ref r),
            Ranges = CellCodec.Ranges(ref r),
            Cells = CellCodec.Cells(ref r),
        };
        r.End();
        return message;
    }
}
