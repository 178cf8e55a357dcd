using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace UltimateConsensus.Raft;

/// <summary>
/// The binary form of <see cref="RaftMessage"/>s: a tag byte, then the fields as zigzag LEB128 varints, booleans as one byte,
/// byte strings and memberships length-prefixed. Decoding checks every length and rejects trailing bytes.
/// </summary>
internal sealed class RaftCodec : IMessageCodec
{
    public static RaftCodec Instance { get; } = new();

    private enum Tag : byte
    {
        VoteRequest = 1,
        VoteResponse = 2,
        AppendRequest = 3,
        AppendResponse = 4,
        Heartbeat = 5,
        HeartbeatResponse = 6,
        InstallSnapshot = 7,
        InstallSnapshotResponse = 8,
        TimeoutNow = 9,
        ReadIndexRequest = 10,
        ReadIndexResponse = 11,
    }

    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        var w = new BinaryOut(output);
        if (message is not RaftMessage m)
        {
            throw new ArgumentException($"{message.GetType().Name} is not a Raft message.", nameof(message));
        }

        w.Byte((byte)TagOf(m));
        w.Node(m.From);
        w.Node(m.To);
        w.Varint(m.Term);
        switch (m)
        {
            case VoteRequest v:
                w.Varint(v.LastLogIndex);
                w.Varint(v.LastLogTerm);
                w.Bool(v.PreVote);
                w.Bool(v.Transfer);
                break;
            case VoteResponse v:
                w.Bool(v.PreVote);
                w.Bool(v.Granted);
                break;
            case AppendRequest a:
                w.Varint(a.PrevLogIndex);
                w.Varint(a.PrevLogTerm);
                w.Varint(a.Commit);
                w.Entries(a.Entries);
                break;
            case AppendResponse a:
                w.Bool(a.Success);
                w.Varint(a.Index);
                w.Varint(a.HintIndex);
                w.Varint(a.HintTerm);
                break;
            case Heartbeat h:
                w.Varint(h.Commit);
                w.Varint(h.ReadSeq);
                break;
            case HeartbeatResponse h:
                w.Varint(h.ReadSeq);
                break;
            case InstallSnapshot s:
                w.Snapshot(s.Snapshot);
                break;
            case InstallSnapshotResponse s:
                w.Varint(s.LastIndex);
                break;
            case TimeoutNow:
                break;
            case ReadIndexRequest r:
                w.Bytes(r.Context.Span);
                break;
            case ReadIndexResponse r:
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
        RaftMessage message = tag switch
        {
            Tag.VoteRequest => new VoteRequest(from, to, term, r.Varint(), r.Varint(), r.Bool(), r.Bool()),
            Tag.VoteResponse => new VoteResponse(from, to, term, r.Bool(), r.Bool()),
            Tag.AppendRequest => new AppendRequest(from, to, term, r.Varint(), r.Varint(), r.Varint(), r.Entries()),
            Tag.AppendResponse => new AppendResponse(from, to, term, r.Bool(), r.Varint(), r.Varint(), r.Varint()),
            Tag.Heartbeat => new Heartbeat(from, to, term, r.Varint(), r.Varint()),
            Tag.HeartbeatResponse => new HeartbeatResponse(from, to, term, r.Varint()),
            Tag.InstallSnapshot => new InstallSnapshot(from, to, term, r.Snapshot()),
            Tag.InstallSnapshotResponse => new InstallSnapshotResponse(from, to, term, r.Varint()),
            Tag.TimeoutNow => new TimeoutNow(from, to, term),
            Tag.ReadIndexRequest => new ReadIndexRequest(from, to, term, r.Bytes()),
            Tag.ReadIndexResponse => new ReadIndexResponse(from, to, term, r.Varint(), r.Bytes()),
            _ => throw new FormatException($"Unknown Raft message tag {(byte)tag}."),
        };
        r.End();
        return message;
    }

    private static Tag TagOf(RaftMessage m) => m switch
    {
        VoteRequest => Tag.VoteRequest,
        VoteResponse => Tag.VoteResponse,
        AppendRequest => Tag.AppendRequest,
        AppendResponse => Tag.AppendResponse,
        Heartbeat => Tag.Heartbeat,
        HeartbeatResponse => Tag.HeartbeatResponse,
        InstallSnapshot => Tag.InstallSnapshot,
        InstallSnapshotResponse => Tag.InstallSnapshotResponse,
        TimeoutNow => Tag.TimeoutNow,
        ReadIndexRequest => Tag.ReadIndexRequest,
        ReadIndexResponse => Tag.ReadIndexResponse,
        _ => throw new ArgumentException($"{m.GetType().Name} is not a Raft message.", nameof(m)),
    };
}
