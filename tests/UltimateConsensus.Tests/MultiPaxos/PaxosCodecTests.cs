using System.Buffers;

using FsCheck.Xunit;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.MultiPaxos;

namespace UltimateConsensus.Tests.MultiPaxos;

public sealed class PaxosCodecTests
{
    private static byte[] Encode(IProtocolMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        PaxosCodec.Instance.Encode(m, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<PaxosMessage> AllKinds(int from, int to, long ballot, long a, long b, bool flag, byte[]? data)
    {
        var f = new NodeId(from);
        var t = new NodeId(to);
        data ??= [];
        var snapshot = new Snapshot(a, b, new Membership([f, t]), data);
        var entries = new[]
        {
            new LogEntry(a, b, EntryKind.Command, data),
            new LogEntry(a + 1, ballot, EntryKind.Noop, ReadOnlyMemory<byte>.Empty),
        };
        yield return new Prepare(f, t, ballot, a);
        yield return new Promise(f, t, ballot, flag, b, null, entries);
        yield return new Promise(f, t, ballot, !flag, b, snapshot, []);
        yield return new Accept(f, t, ballot, a, b, entries);
        yield return new Accept(f, t, ballot, a, b, []);
        yield return new Accepted(f, t, ballot, flag, a, b);
        yield return new PaxosHeartbeat(f, t, ballot, a, b);
        yield return new PaxosHeartbeatResponse(f, t, ballot, b);
        yield return new PaxosSnapshot(f, t, ballot, snapshot);
        yield return new PaxosReadRequest(f, t, ballot, data);
        yield return new PaxosReadResponse(f, t, ballot, a, data);
    }

    [Property(MaxTest = 200)]
    public bool Every_message_round_trips(int from, int to, long ballot, long a, long b, bool flag, byte[]? data)
    {
        foreach (var m in AllKinds(from, to, ballot, a, b, flag, data))
        {
            var bytes = Encode(m);
            var decoded = PaxosCodec.Instance.Decode(bytes);
            if (decoded.GetType() != m.GetType() || !Encode(decoded).AsSpan().SequenceEqual(bytes) || decoded.ToString() != m.ToString())
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void Truncated_or_padded_input_is_a_format_error()
    {
        foreach (var m in AllKinds(1, 2, 7, 3, 4, true, [1, 2, 3]))
        {
            var bytes = Encode(m);
            Assert.Throws<FormatException>(() => PaxosCodec.Instance.Decode(bytes.AsSpan(0, bytes.Length - 1)));
            Assert.Throws<FormatException>(() => PaxosCodec.Instance.Decode([.. bytes, 0]));
        }

        Assert.Throws<FormatException>(() => PaxosCodec.Instance.Decode([99, 2, 4, 2]));
    }

    [Fact]
    public void Hard_state_round_trips_and_rejects_other_versions()
    {
        var state = new PaxosHardState(123_456_789_012, 42);
        Assert.Equal(state, PaxosHardState.Decode(state.Encode()));
        Assert.Equal(default, PaxosHardState.Decode([]));
        Assert.Throws<FormatException>(() => PaxosHardState.Decode([2, 0, 0]));
    }
}
