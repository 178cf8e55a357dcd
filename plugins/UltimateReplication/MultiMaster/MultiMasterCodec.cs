using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.MultiMaster;

/// <summary>The codec of <see cref="MultiMasterMessage"/>: type, sender, receiver, incarnation, seq, reply, hashes, ranges, keys.</summary>
internal sealed class MultiMasterCodec : IMessageCodec
{
    public static MultiMasterCodec Instance { get; } = new();

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (MultiMasterMessage)message;
        var w = new BinaryOut(output);
        w.Byte((byte)m.Type);
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.Incarnation);
        w.Varint(m.Seq);
        w.Bool(m.Reply);
        CellCodec.Hashes(w, m.Hashes);
        CellCodec.Ranges(w, m.Ranges);

        w.UVarint((ulong)m.Keys.Count);
        foreach (var (key, versions) in m.Keys)
        {
            CellCodec.Key(w, key);
            SiblingSets.Encode(w, versions);
        }
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var type = (MultiMasterMessageType)r.Byte();
        if (type is < MultiMasterMessageType.Push or > MultiMasterMessageType.Repair)
        {
            throw new FormatException($"Unknown multi-master replication message type {(byte)type}.");
        }

        var from = r.Node();
        var to = r.Node();
        var incarnation = r.Varint();
        var seq = r.Varint();
        var reply = r.Bool();
        var hashes = CellCodec.Hashes(ref r);
        var ranges = CellCodec.Ranges(ref r);

        var keys = new KeyVersions[CellCodec.Count(ref r)];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = new KeyVersions(CellCodec.Key(ref r), SiblingSets.Decode(ref r));
        }

        r.End();
        return new MultiMasterMessage(type, from, to) { Incarnation = incarnation, Seq = seq, Reply = reply, Hashes = hashes, Ranges = ranges, Keys = keys };
    }
}
