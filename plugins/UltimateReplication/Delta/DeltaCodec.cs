using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.Delta;

/// <summary>The codec of <see cref="DeltaMessage"/>: type, sender, receiver, incarnation, seq, reply, hashes, ranges, entries, stamps.</summary>
internal sealed class DeltaCodec : IMessageCodec
{
    public static DeltaCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (DeltaMessage)message;
        var w = new BinaryOut(output);
        w.Byte((byte)m.Type);
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.Incarnation);
        w.Varint(m.Seq);
        w.Bool(m.Reply);
        CellCodec.Hashes(w, m.Hashes);
        CellCodec.Ranges(w, m.Ranges);
        w.UVarint((ulong)m.Entries.Count);
        foreach (var e in m.Entries)
        {
            CellCodec.Key(w, e.Key);
            w.Bool(e.IsDelta);
            if (e.IsDelta)
            {
                CellCodec.Stamp(w, e.Stamp);
                CellCodec.Stamp(w, e.Base);
                w.UVarint(e.Hash);
                w.Bytes(e.Bytes ?? []);
            }
            else
            {
                CellCodec.Cell(w, new Cell(e.Stamp, e.Bytes));
            }
        }

        CellCodec.Stamps(w, m.Stamps);
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var type = (DeltaMessageType)r.Byte();
        if (type is < DeltaMessageType.Push or > DeltaMessageType.Versions)
        {
            throw new FormatException($"Unknown delta replication message type {(byte)type}.");
        }

        var from = r.Node();
        var to = r.Node();
        var incarnation = r.Varint();
        var seq = r.Varint();
        var reply = r.Bool();
        var hashes = CellCodec.Hashes(ref r);
        var ranges = CellCodec.Ranges(ref r);
        var entries = new DeltaEntry[CellCodec.Count(ref r)];
        for (var i = 0; i < entries.Length; i++)
        {
            var key = CellCodec.Key(ref r);
            if (r.Bool())
            {
                entries[i] = new DeltaEntry(key, CellCodec.Stamp(ref r), true, CellCodec.Stamp(ref r), r.UVarint(), r.Bytes());
            }
            else
            {
                var cell = CellCodec.Cell(ref r);
                entries[i] = new DeltaEntry(key, cell.Stamp, false, default, 0, cell.Value);
            }
        }

        var stamps = CellCodec.Stamps(ref r);
        r.End();
        return new DeltaMessage(type, from, to) { Incarnation = incarnation, Seq = seq, Reply = reply, Hashes = hashes, Ranges = ranges, Entries = entries, Stamps = stamps };
    }
}
