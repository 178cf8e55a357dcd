using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace UltimateConsensus.Zab;

/// <summary>
/// The binary form of <see cref="ZabMessage"/>s, on the shared codec helpers: a tag byte, the sender and receiver, then
/// the fields as zigzag LEB128 varints, booleans and enums as one byte, entries and snapshots as the WAL writes them.
/// Decoding checks every length and value and rejects trailing bytes.
/// </summary>
internal sealed class ZabCodec : IMessageCodec
{
    public static ZabCodec Instance { get; } = new();

    private const int MaxBoundaries = 1 << 20;

    private enum Tag : byte
    {
        Notification = 1,
        FollowerInfo = 2,
        LeaderInfo = 3,
        AckEpoch = 4,
        Sync = 5,
        Ack = 6,
        Proposal = 7,
        Commit = 8,
    }

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is not ZabMessage m)
        {
            throw new ArgumentException($"{message.GetType().Name} is not a ZAB message.", nameof(message));
        }

        var w = new BinaryOut(output);
        w.Byte((byte)TagOf(m));
        w.Node(m.From);
        w.Node(m.To);
        switch (m)
        {
            case Notification n:
                w.Varint(n.Round);
                w.Byte((byte)n.State);
                w.Node(n.Leader);
                w.Varint(n.VoteEpoch);
                w.Varint(n.ZxidEpoch);
                w.Varint(n.ZxidIndex);
                break;
            case FollowerInfo f:
                w.Varint(f.AcceptedEpoch);
                break;
            case LeaderInfo l:
                w.Varint(l.Epoch);
                break;
            case AckEpoch a:
                w.Varint(a.Epoch);
                w.Varint(a.CurrentEpoch);
                w.Varint(a.LastEpoch);
                w.Varint(a.LastIndex);
                w.Bool(a.Counted);
                w.Varint(a.Boundaries.Count);
                foreach (var b in a.Boundaries)
                {
                    w.Varint(b.Epoch);
                    w.Varint(b.LastIndex);
                }

                break;
            case Sync s:
                w.Varint(s.Epoch);
                w.Byte((byte)s.Mode);
                w.Varint(s.TruncateTo);
                w.Bool(s.Snapshot is not null);
                if (s.Snapshot is { } snapshot)
                {
                    w.Snapshot(snapshot);
                }

                w.Entries(s.Entries);
                w.Varint(s.Commit);
                break;
            case Ack a:
                w.Varint(a.Epoch);
                w.Varint(a.Index);
                w.Bool(a.NewLeader);
                break;
            case Proposal p:
                w.Varint(p.Epoch);
                w.Entries(p.Entries);
                w.Varint(p.Commit);
                break;
            case Commit c:
                w.Varint(c.Epoch);
                w.Varint(c.Index);
                break;
        }
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var tag = (Tag)r.Byte();
        var from = r.Node();
        var to = r.Node();
        ZabMessage message = tag switch
        {
            Tag.Notification => new Notification(from, to, r.Varint(), State(r.Byte()), r.Node(), r.Varint(), r.Varint(), r.Varint()),
            Tag.FollowerInfo => new FollowerInfo(from, to, r.Varint()),
            Tag.LeaderInfo => new LeaderInfo(from, to, r.Varint()),
            Tag.AckEpoch => DecodeAckEpoch(ref r, from, to),
            Tag.Sync => DecodeSync(ref r, from, to),
            Tag.Ack => new Ack(from, to, r.Varint(), r.Varint(), r.Bool()),
            Tag.Proposal => new Proposal(from, to, r.Varint(), r.Entries(), r.Varint()),
            Tag.Commit => new Commit(from, to, r.Varint(), r.Varint()),
            _ => throw new FormatException($"Unknown ZAB message tag {(byte)tag}."),
        };
        r.End();
        return message;
    }

    private static AckEpoch DecodeAckEpoch(ref BinaryIn r, NodeId from, NodeId to)
    {
        var epoch = r.Varint();
        var currentEpoch = r.Varint();
        var lastEpoch = r.Varint();
        var lastIndex = r.Varint();
        var counted = r.Bool();
        var count = r.Varint();
        if (count < 0 || count > MaxBoundaries || count > r.Remaining / 2)
        {
            throw new FormatException($"ZAB AckEpoch claims {count} epoch boundaries with {r.Remaining} bytes left.");
        }

        var boundaries = new EpochBoundary[count];
        for (var i = 0; i < count; i++)
        {
            boundaries[i] = new EpochBoundary(r.Varint(), r.Varint());
        }

        return new AckEpoch(from, to, epoch, currentEpoch, lastEpoch, lastIndex, counted, boundaries);
    }

    private static Sync DecodeSync(ref BinaryIn r, NodeId from, NodeId to)
    {
        var epoch = r.Varint();
        var mode = r.Byte() switch
        {
            0 => SyncMode.Diff,
            1 => SyncMode.Trunc,
            2 => SyncMode.Snap,
            var b => throw new FormatException($"Unknown ZAB sync mode {b}."),
        };
        var truncateTo = r.Varint();
        Snapshot? snapshot = r.Bool() ? r.Snapshot() : null;
        var entries = r.Entries();
        var commit = r.Varint();
        if ((mode == SyncMode.Snap) != (snapshot is not null))
        {
            throw new FormatException($"ZAB Sync in mode {mode} {(snapshot is null ? "lacks" : "carries")} a snapshot.");
        }

        return new Sync(from, to, epoch, mode, truncateTo, snapshot, entries, commit);
    }

    private static PeerState State(byte b) => b switch
    {
        0 => PeerState.Looking,
        1 => PeerState.Following,
        2 => PeerState.Leading,
        _ => throw new FormatException($"Unknown ZAB peer state {b}."),
    };

    private static Tag TagOf(ZabMessage m) => m switch
    {
        Notification => Tag.Notification,
        FollowerInfo => Tag.FollowerInfo,
        LeaderInfo => Tag.LeaderInfo,
        AckEpoch => Tag.AckEpoch,
        Sync => Tag.Sync,
        Ack => Tag.Ack,
        Proposal => Tag.Proposal,
        Commit => Tag.Commit,
        _ => throw new ArgumentException($"{m.GetType().Name} is not a ZAB message.", nameof(m)),
    };
}
