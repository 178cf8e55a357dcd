using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace UltimateConsensus.Pbft;

/// <summary>
/// The binary form of <see cref="PbftMessage"/>s: the body (a tag byte, sender, receiver, then the fields as zigzag
/// varints, digests and byte strings length-prefixed), then the MAC, length-prefixed. Decoding checks every length,
/// bounds every count by the bytes left and rejects trailing bytes, so a faulty sender's garbage is a
/// <see cref="FormatException"/>, never an allocation it chose. The body is canonical: encoding a decoded body gives
/// the same bytes, which is what the receiver's MAC check recomputes.
/// </summary>
internal sealed class PbftCodec : IMessageCodec
{
    public static PbftCodec Instance { get; } = new();

    private enum Tag : byte
    {
        PrePrepare = 1,
        Prepare = 2,
        Commit = 3,
        Checkpoint = 4,
        ViewChange = 5,
        NewView = 6,
        Fetch = 7,
        FetchReply = 8,
        ViewChangeAck = 9,
    }

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is not PbftMessage m)
        {
            throw new ArgumentException($"{message.GetType().Name} is not a PBFT message.", nameof(message));
        }

        WriteBody(m, output);
        new BinaryOut(output).Bytes(m.Mac);
    }

    /// <summary>The bytes a MAC covers: the message without its MAC.</summary>
    public static byte[] Body(PbftMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        WriteBody(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var tag = (Tag)r.Byte();
        var from = r.Node();
        var to = r.Node();
        PbftMessage message = tag switch
        {
            Tag.PrePrepare => new PrePrepare(from, to, r.Varint(), r.Varint(), ReadBatch(ref r)),
            Tag.Prepare => new Prepare(from, to, r.Varint(), r.Varint(), ReadDigest(ref r)),
            Tag.Commit => new Commit(from, to, r.Varint(), r.Varint(), ReadDigest(ref r)),
            Tag.Checkpoint => new Checkpoint(from, to, r.Varint(), r.Varint(), ReadDigest(ref r)),
            Tag.ViewChange => ReadViewChange(ref r, from, to),
            Tag.NewView => ReadNewView(ref r, from, to),
            Tag.Fetch => new Fetch(from, to, r.Varint()),
            Tag.FetchReply => new FetchReply(from, to, r.Varint(), r.Entries()),
            Tag.ViewChangeAck => new ViewChangeAck(from, to, r.Varint(), r.Node(), ReadDigest(ref r)),
            _ => throw new FormatException($"Unknown PBFT message tag {(byte)tag}."),
        };
        message = message with { Mac = r.Bytes() };
        r.End();
        return message;
    }

    private static void WriteBody(PbftMessage m, IBufferWriter<byte> output)
    {
        var w = new BinaryOut(output);
        w.Byte((byte)TagOf(m));
        w.Node(m.From);
        w.Node(m.To);
        switch (m)
        {
            case PrePrepare p:
                w.Varint(p.View);
                w.Varint(p.Seq);
                WriteBatch(w, p.Batch);
                break;
            case Prepare p:
                w.Varint(p.View);
                w.Varint(p.Seq);
                WriteDigest(w, p.Digest);
                break;
            case Commit c:
                w.Varint(c.View);
                w.Varint(c.Seq);
                WriteDigest(w, c.Digest);
                break;
            case Checkpoint c:
                w.Varint(c.Seq);
                w.Varint(c.Index);
                WriteDigest(w, c.State);
                break;
            case ViewChange v:
                w.Varint(v.View);
                WriteClaim(w, v.Stable);
                w.UVarint((ulong)v.Checkpoints.Count);
                foreach (var c in v.Checkpoints)
                {
                    WriteClaim(w, c);
                }

                w.UVarint((ulong)v.Prepared.Count);
                foreach (var p in v.Prepared)
                {
                    w.Varint(p.Seq);
                    w.Varint(p.View);
                    WriteBatch(w, p.Batch);
                }

                w.UVarint((ulong)v.PrePrepared.Count);
                foreach (var q in v.PrePrepared)
                {
                    w.Varint(q.Seq);
                    w.Varint(q.View);
                    WriteDigest(w, q.Digest);
                }

                break;
            case NewView nv:
                w.Varint(nv.View);
                w.UVarint((ulong)nv.Used.Count);
                foreach (var u in nv.Used)
                {
                    w.Node(u.Sender);
                    WriteDigest(w, u.Digest);
                }

                w.Varint(nv.StableSeq);
                w.UVarint((ulong)nv.Order.Count);
                foreach (var o in nv.Order)
                {
                    w.Varint(o.Seq);
                    WriteBatch(w, o.Batch);
                }

                break;
            case Fetch f:
                w.Varint(f.FromIndex);
                break;
            case FetchReply f:
                w.Varint(f.FromIndex);
                w.Entries(f.Entries);
                break;
            case ViewChangeAck a:
                w.Varint(a.View);
                w.Node(a.Sender);
                WriteDigest(w, a.Digest);
                break;
        }
    }

    /// <summary>Writes a batch (count, then each request length-prefixed).</summary>
    internal static void WriteBatch(BinaryOut w, Batch batch)
    {
        w.UVarint((ulong)batch.Requests.Count);
        foreach (var request in batch.Requests)
        {
            w.Bytes(request);
        }
    }

    internal static Batch ReadBatch(ref BinaryIn r)
    {
        var count = Count(ref r, 1);
        var requests = new byte[count][];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = r.Bytes();
        }

        return requests.Length == 0 ? Batch.Empty : new Batch(requests);
    }

    internal static void WriteDigest(BinaryOut w, Digest digest)
    {
        Span<byte> bytes = stackalloc byte[32];
        digest.Write(bytes);
        w.Bytes(bytes);
    }

    internal static Digest ReadDigest(ref BinaryIn r)
    {
        var bytes = r.BytesSpan();
        return bytes.Length == 32 ? Digest.From(bytes) : throw new FormatException($"A digest has 32 bytes, not {bytes.Length}.");
    }

    internal static void WriteClaim(BinaryOut w, CheckpointClaim c)
    {
        w.Varint(c.Seq);
        w.Varint(c.Index);
        WriteDigest(w, c.State);
    }

    internal static CheckpointClaim ReadClaim(ref BinaryIn r) => new(r.Varint(), r.Varint(), ReadDigest(ref r));

    /// <summary>A count, bounded by the bytes left (each item takes at least <paramref name="minBytes"/>).</summary>
    internal static int Count(ref BinaryIn r, int minBytes)
    {
        var count = r.UVarint();
        if (count > (ulong)(r.Remaining / minBytes))
        {
            throw new FormatException($"Count {count} exceeds what {r.Remaining} bytes can hold.");
        }

        return (int)count;
    }

    private static ViewChange ReadViewChange(ref BinaryIn r, NodeId from, NodeId to)
    {
        var view = r.Varint();
        var stable = ReadClaim(ref r);
        var checkpoints = new CheckpointClaim[Count(ref r, 35)];
        for (var i = 0; i < checkpoints.Length; i++)
        {
            checkpoints[i] = ReadClaim(ref r);
        }

        var prepared = new PreparedClaim[Count(ref r, 3)];
        for (var i = 0; i < prepared.Length; i++)
        {
            prepared[i] = new PreparedClaim(r.Varint(), r.Varint(), ReadBatch(ref r));
        }

        var prePrepared = new PrePreparedClaim[Count(ref r, 35)];
        for (var i = 0; i < prePrepared.Length; i++)
        {
            prePrepared[i] = new PrePreparedClaim(r.Varint(), r.Varint(), ReadDigest(ref r));
        }

        return new ViewChange(from, to, view, stable, checkpoints, prepared, prePrepared);
    }

    private static NewView ReadNewView(ref BinaryIn r, NodeId from, NodeId to)
    {
        var view = r.Varint();
        var used = new ViewChangeRef[Count(ref r, 34)];
        for (var i = 0; i < used.Length; i++)
        {
            used[i] = new ViewChangeRef(r.Node(), ReadDigest(ref r));
        }

        var stable = r.Varint();
        var order = new Chosen[Count(ref r, 2)];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = new Chosen(r.Varint(), ReadBatch(ref r));
        }

        return new NewView(from, to, view, used, stable, order);
    }

    private static Tag TagOf(PbftMessage m) => m switch
    {
        PrePrepare => Tag.PrePrepare,
        Prepare => Tag.Prepare,
        Commit => Tag.Commit,
        Checkpoint => Tag.Checkpoint,
        ViewChange => Tag.ViewChange,
        NewView => Tag.NewView,
        Fetch => Tag.Fetch,
        FetchReply => Tag.FetchReply,
        ViewChangeAck => Tag.ViewChangeAck,
        _ => throw new ArgumentException($"{m.GetType().Name} is not a PBFT message.", nameof(m)),
    };
}
