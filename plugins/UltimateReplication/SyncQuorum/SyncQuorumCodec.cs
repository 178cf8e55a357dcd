using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.SyncQuorum;

/// <summary>The codec of <see cref="SyncQuorumMessage"/>: type, sender, receiver, then the fields of the type.</summary>
internal sealed class SyncQuorumCodec : IMessageCodec
{
    public static SyncQuorumCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (SyncQuorumMessage)message;
        var w = new BinaryOut(output);
        w.Byte((byte)m.Type);
        w.Node(m.From);
        w.Node(m.To);
        switch (m.Type)
        {
            case SyncQuorumMessageType.Digest:
                CellCodec.Hashes(w, m.RangeHashes);

                break;
            case SyncQuorumMessageType.DigestReply or SyncQuorumMessageType.Entries:
                CellCodec.Ranges(w, m.Ranges);
                CellCodec.Cells(w, m.Cells);

                break;
            default:
                w.Varint(m.Op);
                CellCodec.Key(w, m.Key);
                w.Bool(m.Found);
                CellCodec.Cell(w, m.Cell);
                break;
        }
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var type = (SyncQuorumMessageType)r.Byte();
        var from = r.Node();
        var to = r.Node();
        SyncQuorumMessage message;
        switch (type)
        {
            case SyncQuorumMessageType.Digest:
                message = new SyncQuorumMessage(type, from, to) { RangeHashes = CellCodec.Hashes(ref r) };
                break;
            case SyncQuorumMessageType.DigestReply or SyncQuorumMessageType.Entries:
                var ranges = CellCodec.Ranges(ref r);
                message = new SyncQuorumMessage(type, from, to) { Ranges = ranges, Cells = CellCodec.Cells(ref r) };
                break;
            case >= SyncQuorumMessageType.Query and <= SyncQuorumMessageType.StoreAck:
                message = new SyncQuorumMessage(type, from, to) { Op = r.Varint(), Key = CellCodec.Key(ref r), Found = r.Bool(), Cell = CellCodec.Cell(ref r) };
                break;
            default:
                throw new FormatException($"Unknown sync-quorum message type {(byte)type}.");
        }

        r.End();
        return message;
    }
}
