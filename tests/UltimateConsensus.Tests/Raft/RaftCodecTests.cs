using System.Buffers;

using FsCheck.Xunit;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Raft;

public sealed class RaftCodecTests
{
    private static byte[] Encode(IProtocolMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RaftCodec.Instance.Encode(m, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<RaftMessage> AllKinds(int from, int to, long term, long a, long b, long c, bool flag, byte[] data)
    {
        var f = new NodeId(from);
        var t = new NodeId(to);
        data ??= [];
        var entries = new[]
        {
            new LogEntry(a, b, EntryKind.Command, data),
            new LogEntry(a + 1, b, EntryKind.Noop, ReadOnlyMemory<byte>.Empty),
            new LogEntry(a + 2, c, EntryKind.Membership, new Membership([f, t]).Encode()),
        };
        yield return new VoteRequest(f, t, term, a, b, flag, !flag);
        yield return new VoteResponse(f, t, term, flag, !flag);
        yield return new AppendRequest(f, t, term, a, b, c, entries);
        yield return new AppendRequest(f, t, term, a, b, c, []);
        yield return new AppendResponse(f, t, term, flag, a, b, c);
        yield return new Heartbeat(f, t, term, a, b);
        yield return new HeartbeatResponse(f, t, term, c);
        yield return new InstallSnapshot(f, t, term, new Snapshot(a, b, new Membership([f], [t]), data));
        yield return new InstallSnapshotResponse(f, t, term, a);
        yield return new TimeoutNow(f, t, term);
        yield return new ReadIndexRequest(f, t, term, data);
        yield return new ReadIndexResponse(f, t, term, c, data);
    }

    /// <summary>Structural equality that compares byte payloads by content.</summary>
    private static void AssertSame(RaftMessage expected, RaftMessage actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(Describe(expected), Describe(actual));

        static string Describe(RaftMessage m) => m switch
        {
            AppendRequest a => $"{a with { Entries = [] }} [{string.Join(";", a.Entries.Select(e => $"{e.Index},{e.Term},{e.Kind},{Convert.ToHexString(e.Data.Span)}"))}]",
            InstallSnapshot s => $"{s.From} {s.To} {s.Term} {s.Snapshot.Index} {s.Snapshot.Term} {s.Snapshot.Membership} {Convert.ToHexString(s.Snapshot.Data.Span)}",
            ReadIndexRequest r => $"{r.From} {r.To} {r.Term} {Convert.ToHexString(r.Context.Span)}",
            ReadIndexResponse r => $"{r.From} {r.To} {r.Term} {r.Index} {Convert.ToHexString(r.Context.Span)}",
            _ => m.ToString(),
        };
    }

    [Property(MaxTest = 200)]
    public void EveryMessageRoundTripsExactly(int from, int to, long term, long a, long b, long c, bool flag, byte[] data)
    {
        foreach (var m in AllKinds(from, to, term, a, b, c, flag, data))
        {
            var bytes = Encode(m);
            var decoded = Assert.IsAssignableFrom<RaftMessage>(RaftCodec.Instance.Decode(bytes));
            AssertSame(m, decoded);
            Assert.Equal(bytes, Encode(decoded));
        }
    }

    [Fact]
    public void ExtremeValuesRoundTrip()
    {
        foreach (var v in new[] { long.MinValue, long.MaxValue, 0L, -1L, 1L })
        {
            foreach (var m in AllKinds(int.MaxValue, int.MinValue, v, v, v, v, true, [0, 255]))
            {
                var bytes = Encode(m);
                Assert.Equal(bytes, Encode(RaftCodec.Instance.Decode(bytes)));
            }
        }
    }

    [Fact]
    public void EveryTruncationAndTrailingByteIsAFormatException()
    {
        foreach (var m in AllKinds(1, 2, 3, 4, 5, 6, true, [1, 2, 3]))
        {
            var bytes = Encode(m);
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.Throws<FormatException>(() => RaftCodec.Instance.Decode(bytes.AsSpan(0, length)));
            }

            Assert.Throws<FormatException>(() => RaftCodec.Instance.Decode([.. bytes, 0]));
        }
    }

    [Property(MaxTest = 500)]
    public void RandomBytesDecodeOrThrowFormatException(byte[] input)
    {
        try
        {
            RaftCodec.Instance.Decode(input ?? []);
        }
        catch (FormatException)
        {
        }
    }

    [Fact]
    public void UnknownTagAndBadEnumsAreRejected()
    {
        Assert.Throws<FormatException>(() => RaftCodec.Instance.Decode([99, 2, 4, 6]));
        var vote = Encode(new VoteResponse(new NodeId(1), new NodeId(2), 3, true, false));
        vote[^1] = 7; // not a boolean
        Assert.Throws<FormatException>(() => RaftCodec.Instance.Decode(vote));
    }

    [Fact]
    public void HardStateRoundTripsAndRejectsGarbage()
    {
        var hs = new HardState(long.MaxValue, new NodeId(42), 17);
        Assert.Equal(hs, HardState.Decode(hs.Encode()));
        Assert.Equal(default, HardState.Decode([]));
        Assert.Throws<FormatException>(() => HardState.Decode(new byte[5]));
    }
}
