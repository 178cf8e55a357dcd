using System.Buffers;
using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.SyncQuorum;

/// <summary>The codec of <see cref="SyncQuorumMessage"/>: type, sender, receiver, then the fields of the type.</summary>
internal sealed class SyncQuorumCodec : IMessageCodec
{
    private const int MaxItems = 1 << 20;

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
                w.UVarint((ulong)m.RangeHashes.Count);
                foreach (var h in m.RangeHashes)
                {
                    w.UVarint(h);
                }

                break;
            case SyncQuorumMessageType.DigestReply or SyncQuorumMessageType.Entries:
                w.UVarint((ulong)m.Ranges.Count);
                foreach (var r in m.Ranges)
                {
                    w.Int(r);
                }

                w.UVarint((ulong)m.Cells.Count);
                foreach (var (key, cell) in m.Cells)
                {
                    WriteKey(w, key);
                    WriteCell(w, cell);
                }

                break;
            default:
                w.Varint(m.Op);
                WriteKey(w, m.Key);
                w.Bool(m.Found);
                WriteCell(w, m.Cell);
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
                var hashes = new ulong[Count(ref r)];
                for (var i = 0; i < hashes.Length; i++)
                {
                    hashes[i] = r.UVarint();
                }

                message = new SyncQuorumMessage(type, from, to) { RangeHashes = hashes };
                break;
            case SyncQuorumMessageType.DigestReply or SyncQuorumMessageType.Entries:
                var ranges = new int[Count(ref r)];
                for (var i = 0; i < ranges.Length; i++)
                {
                    ranges[i] = r.Int();
                }

                var cells = new KeyValuePair<string, Cell>[Count(ref r)];
                for (var i = 0; i < cells.Length; i++)
                {
                    cells[i] = new(ReadKey(ref r), ReadCell(ref r));
                }

                message = new SyncQuorumMessage(type, from, to) { Ranges = ranges, Cells = cells };
                break;
            case >= SyncQuorumMessageType.Query and <= SyncQuorumMessageType.StoreAck:
                message = new SyncQuorumMessage(type, from, to) { Op = r.Varint(), Key = ReadKey(ref r), Found = r.Bool(), Cell = ReadCell(ref r) };
                break;
            default:
                throw new FormatException($"Unknown sync-quorum message type {(byte)type}.");
        }

        r.End();
        return message;
    }

    private static int Count(ref BinaryIn r)
    {
        var n = r.UVarint();
        return n <= MaxItems && n <= (ulong)r.Remaining ? (int)n : throw new FormatException($"A sync-quorum message claims {n} items in {r.Remaining} bytes.");
    }

    private static void WriteKey(BinaryOut w, string key) => w.Bytes(Encoding.UTF8.GetBytes(key));

    private static string ReadKey(ref BinaryIn r) => Encoding.UTF8.GetString(r.BytesSpan());

    private static void WriteCell(BinaryOut w, Cell cell)
    {
        w.Varint(cell.Stamp.Counter);
        w.Int(cell.Stamp.Node);
        w.Bool(cell.Value is not null);
        w.Bytes(cell.Value ?? []);
    }

    private static Cell ReadCell(ref BinaryIn r)
    {
        var stamp = new Stamp(r.Varint(), r.Int());
        var present = r.Bool();
        var value = r.Bytes();
        return new Cell(stamp, present ? value : null);
    }
}
