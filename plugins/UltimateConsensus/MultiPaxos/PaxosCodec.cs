using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace UltimateConsensus.MultiPaxos;

/// <summary>
/// The binary form of <see cref="PaxosMessage"/>s, with the storage library's <see cref="BinaryOut"/>/<see cref="BinaryIn"/>:
/// a tag byte, sender, receiver and ballot, then the fields (varints, booleans as a byte, entries, snapshots with their
/// membership and data length-prefixed). Decoding checks every length and rejects trailing bytes.
/// </summary>
internal sealed class PaxosCodec : IMessageCodec
{
    public static PaxosCodec Instance { get; } = new();

    private enum Tag : byte
    {
        Prepare = 1,
        Promise = 2,
        Accept = 3,
        Accepted = 4,
        Heartbeat = 5,
        HeartbeatResponse = 6,
        Snapshot = 7,
        ReadRequest = 8,
        ReadResponse = 9,
    }

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is not PaxosMessage m)
        {
            throw new ArgumentException($"{message.GetType().Name} is not a Multi-Paxos message.", nameof(message));
        }

        var w = new BinaryOut(output);
        w.Byte((byte)TagOf(m));
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.Term);
        switch (m)
        {
            case Prepare p:
                w.Varint(p.FromSlot);
                break;
            case Promise p:
                w.Bool(p.Granted);
                w.Varint(p.Commit);
                w.Bool(p.Snapshot is not null);
                if (p.Snapshot is { } snapshot)
                {
                    w.Snapshot(snapshot);
                }

                w.Entries(p.Entries);
                break;
            case Accept a:
                w.Varint(a.PrevIndex);
                w.Varint(a.Commit);
                w.Entries(a.Entries);
                break;
            case Accepted a:
                w.Bool(a.Ok);
                w.Varint(a.Match);
                w.Varint(a.Rejected);
                break;
            case PaxosHeartbeat h:
                w.Varint(h.Commit);
                w.Varint(h.ReadSeq);
                break;
            case PaxosHeartbeatResponse h:
                w.Varint(h.ReadSeq);
                break;
            case PaxosSnapshot s:
                w.Snapshot(s.Snapshot);
                break;
            case PaxosReadRequest r:
                w.Bytes(r.Context.Span);
                break;
            case PaxosReadResponse r:
                w.Varint(r.Index);
                w.Bytes(r.Context.Span);
                break;
        }
    }

    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        var r = new BinaryIn(input);
        var tag = (Tag)r.Byte();
        var from = r.Node();
        var to = r.Node();
        var term = r.Varint();
        PaxosMessage message = tag switch
        {
            Tag.Prepare => new Prepare(from, to, term, r.Varint()),
            Tag.Promise => new Promise(from, to, term, r.Bool(), r.Varint(), r.Bool() ? r.Snapshot() : null, r.Entries()),
            Tag.Accept => new Accept(from, to, term, r.Varint(), r.Varint(), r.Entries()),
            Tag.Accepted => new Accepted(from, to, term, r.Bool(), r.Varint(), r.Varint()),
            Tag.Heartbeat => new PaxosHeartbeat(from, to, term, r.Varint(), r.Varint()),
            Tag.HeartbeatResponse => new PaxosHeartbeatResponse(from, to, term, r.Varint()),
            Tag.Snapshot => new PaxosSnapshot(from, to, term, r.Snapshot()),
            Tag.ReadRequest => new PaxosReadRequest(from, to, term, r.Bytes()),
            Tag.ReadResponse => new PaxosReadResponse(from, to, term, r.Varint(), r.Bytes()),
            _ => throw new FormatException($"Unknown Multi-Paxos message tag {(byte)tag}."),
        };
        r.End();
        return message;
    }

    private static Tag TagOf(PaxosMessage m) => m switch
    {
        Prepare => Tag.Prepare,
        Promise => Tag.Promise,
        Accept => Tag.Accept,
        Accepted => Tag.Accepted,
        PaxosHeartbeat => Tag.Heartbeat,
        PaxosHeartbeatResponse => Tag.HeartbeatResponse,
        PaxosSnapshot => Tag.Snapshot,
        PaxosReadRequest => Tag.ReadRequest,
        PaxosReadResponse => Tag.ReadResponse,
        _ => throw new ArgumentException($"{m.GetType().Name} is not a Multi-Paxos message.", nameof(m)),
    };
}
