using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace UltimateConsensus.Vr;

/// <summary>
/// The binary form of <see cref="VrMessage"/>s on the shared codec helpers (<see cref="BinaryOut"/>, <see cref="BinaryIn"/>): a tag
/// byte, sender, receiver and view, then the fields as zigzag varints, entries and snapshots length-prefixed. Decoding
/// checks every length and rejects trailing bytes.
/// </summary>
internal sealed class VrCodec : IMessageCodec
{
    public static VrCodec Instance { get; } = new();

    private enum Tag : byte
    {
        Prepare = 1,
        PrepareOk = 2,
        Commit = 3,
        StartViewChange = 4,
        DoViewChange = 5,
        StartView = 6,
        GetState = 7,
        NewState = 8,
        Recovery = 9,
        RecoveryResponse = 10,
    }

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is not VrMessage m)
        {
            throw new ArgumentException($"{message.GetType().Name} is not a VR message.", nameof(message));
        }

        var w = new BinaryOut(output);
        w.Byte((byte)TagOf(m));
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.View);
        switch (m)
        {
            case Prepare p:
                w.Varint(p.PrevOp);
                w.Varint(p.PrevView);
                w.Varint(p.Commit);
                w.Entries(p.Entries);
                break;
            case PrepareOk p:
                w.Varint(p.Op);
                break;
            case Commit c:
                w.Varint(c.CommitNumber);
                break;
            case StartViewChange:
                break;
            case DoViewChange d:
                w.Varint(d.LastNormalView);
                w.Varint(d.Op);
                w.Varint(d.OpView);
                w.Varint(d.Commit);
                break;
            case StartView s:
                w.Varint(s.Op);
                w.Varint(s.Commit);
                w.Varint(s.BaseOp);
                w.Varint(s.BaseView);
                w.Entries(s.Entries);
                break;
            case GetState g:
                w.Varint(g.FromOp);
                break;
            case NewState n:
                w.Varint(n.Op);
                w.Varint(n.OpView);
                w.Varint(n.Commit);
                WriteSnapshot(w, n.Snapshot);
                w.Entries(n.Entries);
                break;
            case Recovery r:
                w.Varint(r.Nonce);
                w.Varint(r.FromOp);
                break;
            case RecoveryResponse r:
                w.Varint(r.Nonce);
                w.Byte((byte)r.Status);
                w.Bool(r.Pristine);
                w.Bool(r.IsPrimary);
                w.Varint(r.Op);
                w.Varint(r.OpView);
                w.Varint(r.Commit);
                WriteSnapshot(w, r.Snapshot);
                w.Entries(r.Entries);
                break;
        }
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var tag = (Tag)r.Byte();
        var from = r.Node();
        var to = r.Node();
        var view = r.Varint();
        VrMessage message = tag switch
        {
            Tag.Prepare => new Prepare(from, to, view, r.Varint(), r.Varint(), r.Varint(), r.Entries()),
            Tag.PrepareOk => new PrepareOk(from, to, view, r.Varint()),
            Tag.Commit => new Commit(from, to, view, r.Varint()),
            Tag.StartViewChange => new StartViewChange(from, to, view),
            Tag.DoViewChange => new DoViewChange(from, to, view, r.Varint(), r.Varint(), r.Varint(), r.Varint()),
            Tag.StartView => new StartView(from, to, view, r.Varint(), r.Varint(), r.Varint(), r.Varint(), r.Entries()),
            Tag.GetState => new GetState(from, to, view, r.Varint()),
            Tag.NewState => new NewState(from, to, view, r.Varint(), r.Varint(), r.Varint(), ReadSnapshot(ref r), r.Entries()),
            Tag.Recovery => new Recovery(from, to, view, r.Varint(), r.Varint()),
            Tag.RecoveryResponse => new RecoveryResponse(
                from, to, view, r.Varint(), ReadStatus(ref r), r.Bool(), r.Bool(), r.Varint(), r.Varint(), r.Varint(), ReadSnapshot(ref r), r.Entries()),
            _ => throw new FormatException($"Unknown VR message tag {(byte)tag}."),
        };
        r.End();
        return message;
    }

    private static void WriteSnapshot(BinaryOut w, Snapshot? snapshot)
    {
        w.Bool(snapshot is not null);
        if (snapshot is not null)
        {
            w.Snapshot(snapshot);
        }
    }

    private static Snapshot? ReadSnapshot(ref BinaryIn r) =>
        r.Bool() ? r.Snapshot() : null;

    private static VrStatus ReadStatus(ref BinaryIn r)
    {
        var status = r.Byte();
        return status <= (byte)VrStatus.Recovering ? (VrStatus)status : throw new FormatException($"Unknown VR status {status}.");
    }

    private static Tag TagOf(VrMessage m) => m switch
    {
        Prepare => Tag.Prepare,
        PrepareOk => Tag.PrepareOk,
        Commit => Tag.Commit,
        StartViewChange => Tag.StartViewChange,
        DoViewChange => Tag.DoViewChange,
        StartView => Tag.StartView,
        GetState => Tag.GetState,
        NewState => Tag.NewState,
        Recovery => Tag.Recovery,
        RecoveryResponse => Tag.RecoveryResponse,
        _ => throw new ArgumentException($"{m.GetType().Name} is not a VR message.", nameof(m)),
    };
}
