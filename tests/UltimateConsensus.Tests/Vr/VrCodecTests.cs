using System.Buffers;

using FsCheck.Xunit;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Vr;

namespace UltimateConsensus.Tests.Vr;

public sealed class VrCodecTests
{
    private static byte[] Encode(IProtocolMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        VrCodec.Instance.Encode(m, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<VrMessage> AllKinds(int from, int to, long view, long a, long b, long c, bool flag, byte[] data)
    {
        var f = new NodeId(from);
        var t = new NodeId(to);
        data ??= [];
        var entries = new[]
        {
            new LogEntry(a, b, EntryKind.Command, data),
            new LogEntry(a + 1, b, EntryKind.Noop, ReadOnlyMemory<byte>.Empty),
        };
        var snapshot = new Snapshot(a, b, new Membership([f, t]), data);
        yield return new Prepare(f, t, view, a, b, c, entries);
        yield return new Prepare(f, t, view, a, b, c, []);
        yield return new PrepareOk(f, t, view, a);
        yield return new Commit(f, t, view, c);
        yield return new StartViewChange(f, t, view);
        yield return new DoViewChange(f, t, view, a, b, c, a);
        yield return new StartView(f, t, view, a, b, c, a, entries);
        yield return new GetState(f, t, view, c);
        yield return new NewState(f, t, view, a, b, c, flag ? snapshot : null, entries);
        yield return new Recovery(f, t, view, a, b);
        yield return new RecoveryResponse(f, t, view, a, flag ? VrStatus.Normal : VrStatus.Recovering, flag, !flag, a, b, c, flag ? null : snapshot, entries);
    }

    [Property(MaxTest = 200)]
    public void EveryMessageRoundTripsExactly(int from, int to, long view, long a, long b, long c, bool flag, byte[] data)
    {
        foreach (var m in AllKinds(from, to, view, a, b, c, flag, data))
        {
            var bytes = Encode(m);
            var decoded = Assert.IsAssignableFrom<VrMessage>(VrCodec.Instance.Decode(bytes));
            Assert.Equal(m.GetType(), decoded.GetType());
            Assert.Equal(m.ToString(), decoded.ToString());
            Assert.Equal(bytes, Encode(decoded));
        }
    }

    [Fact]
    public void ExtremeValuesRoundTrip()
    {
        foreach (var v in new[] { long.MinValue, long.MaxValue, 0L, -1L, 1L })
        {
            foreach (var m in AllKinds(int.MaxValue, int.MinValue, v, v, v, v, v > 0, [0, 255]))
            {
                var bytes = Encode(m);
                Assert.Equal(bytes, Encode(VrCodec.Instance.Decode(bytes)));
            }
        }
    }

    [Fact]
    public void TruncatedTrailingAndUnknownInputIsRejected()
    {
        var bytes = Encode(new Prepare(new NodeId(1), new NodeId(2), 3, 4, 5, 6, [new LogEntry(5, 3, EntryKind.Command, new byte[] { 1, 2 })]));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<FormatException>(() => VrCodec.Instance.Decode(bytes.AsSpan(0, length)));
        }

        Assert.Throws<FormatException>(() => VrCodec.Instance.Decode([.. bytes, 0]));
        Assert.Throws<FormatException>(() => VrCodec.Instance.Decode([99, 2, 4, 6]));
        var response = Encode(new RecoveryResponse(new NodeId(1), new NodeId(2), 0, 7, VrStatus.Normal, false, false, 0, 0, 0, null, []));
        response[5] = 9; // the status byte, after tag, from, to, view and nonce
        Assert.Throws<FormatException>(() => VrCodec.Instance.Decode(response));
    }

    [Fact]
    public void HardStateRoundTripsAndRejectsNonsense()
    {
        var state = new VrHardState(7, 5, VrStatus.ViewChange, 42, 5, 40);
        Assert.Equal(state, VrHardState.Decode(state.Encode()));
        Assert.Throws<FormatException>(() => VrHardState.Decode([]));
        Assert.Throws<FormatException>(() => VrHardState.Decode([2, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<FormatException>(() => VrHardState.Decode(new VrHardState(1, 2, VrStatus.Normal, 0, 0, 0).Encode()));
        Assert.Throws<FormatException>(() => VrHardState.Decode(new VrHardState(1, 1, VrStatus.Normal, 3, 1, 4).Encode()));
    }
}
