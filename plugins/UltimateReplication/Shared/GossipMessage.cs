using System.Buffers;
using System.Runtime.CompilerServices;
using Kernel.Sdk.Cluster;
using Kernel.Storage.Codec;

namespace UltimateReplication.Shared;

/// <summary>
/// The message of a mode whose peers exchange numbered batches of cells and key-range digests (real-time, crdt): one
/// record, which fields matter depending on <see cref="Type"/>, the mode's own kinds.
/// </summary>
/// <typeparam name="TKind">The mode's message kinds (a byte enum).</typeparam>
internal sealed record GossipMessage<TKind>(TKind Type, NodeId From, NodeId To) : IProtocolMessage
    where TKind : struct, Enum
{
    /// <summary>The incarnation (drawn at each start) of the replica whose numbering <see cref="Seq"/> follows.</summary>
    public long Incarnation { get; init; }

    public long Seq { get; init; }

    public IReadOnlyList<ulong> Hashes { get; init; } = [];

    public IReadOnlyList<int> Ranges { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, Cell>> Cells { get; init; } = [];

    public override string ToString() => $"{Type} {From}->{To} inc {Incarnation} seq {Seq} ranges={Ranges.Count} cells={Cells.Count}";
}

/// <summary>The codec of <see cref="GossipMessage{TKind}"/>: kind, sender, receiver, incarnation, seq, hashes, ranges, cells.</summary>
/// <typeparam name="TKind">The mode's message kinds (a byte enum).</typeparam>
/// <param name="mode">The mode's name, for errors.</param>
internal sealed class GossipCodec<TKind>(string mode) : IMessageCodec
    where TKind : struct, Enum
{
    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        var m = (GossipMessage<TKind>)message;
        var w = new BinaryOut(output);
        w.Byte(Unsafe.BitCast<TKind, byte>(m.Type));
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
        var kind = r.Byte();
        var type = Unsafe.BitCast<byte, TKind>(kind);
        if (!Enum.IsDefined(type))
        {
            throw new FormatException($"Unknown {mode} replication message type {kind}.");
        }

        var message = new GossipMessage<TKind>(type, r.Node(), r.Node())
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
