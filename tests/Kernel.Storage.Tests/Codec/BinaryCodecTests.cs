using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Codec;

namespace Kernel.Storage.Tests.Codec;

public sealed class BinaryCodecTests
{
    [Fact]
    public void EveryFormRoundTrips()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new BinaryOut(buffer);
        var membership = new Membership([new NodeId(1), new NodeId(3)]);
        LogEntry[] entries = [new(7, 2, EntryKind.Command, new byte[] { 1, 2 }), new(8, 2, EntryKind.Membership, membership.Encode())];
        w.Byte(9);
        w.UVarint(ulong.MaxValue);
        w.Varint(long.MinValue);
        w.Varint(-1);
        w.Int(int.MaxValue);
        w.Bool(true);
        w.Node(new NodeId(42));
        w.Bytes("xyz"u8);
        w.UInt32(0xDEADBEEF);
        w.Entries(entries);
        w.Membership(membership);

        var r = new BinaryIn(buffer.WrittenSpan);
        Assert.Equal(9, r.Byte());
        Assert.Equal(ulong.MaxValue, r.UVarint());
        Assert.Equal(long.MinValue, r.Varint());
        Assert.Equal(-1, r.Varint());
        Assert.Equal(int.MaxValue, r.Int());
        Assert.True(r.Bool());
        Assert.Equal(new NodeId(42), r.Node());
        Assert.Equal("xyz"u8.ToArray(), r.Bytes());
        Assert.Equal(0xDEADBEEF, r.UInt32());
        Assert.Equal(entries.Select(e => (e.Index, e.Term, e.Kind, Convert.ToHexString(e.Data.Span))), r.Entries().Select(e => (e.Index, e.Term, e.Kind, Convert.ToHexString(e.Data.Span))));
        Assert.Equal(membership, r.Membership());
        Assert.Equal(0, r.Remaining);
        r.End();
    }

    [Fact]
    public void SmallValuesTakeOneByteWhateverTheirSign()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new BinaryOut(buffer);
        w.Varint(-64);
        w.Varint(63);
        Assert.Equal(new byte[] { 127, 126 }, buffer.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x80 }, "Unexpected end of input at byte 1.")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, "Varint overflows 64 bits at byte 9.")]
    [InlineData(new byte[] { 0x05, 1, 2 }, "Length 5 at byte 1 exceeds the 2 bytes left.")]
    [InlineData(new byte[] { 0x02 }, "Byte 2 at 0 is not a boolean.")]
    [InlineData(new byte[] { 0x00, 0x00 }, "1 trailing bytes after byte 1.")]
    public void MalformedInputThrowsFormatExceptionNamingTheByte(byte[] input, string message)
    {
        var e = Assert.Throws<FormatException>(() =>
        {
            var r = new BinaryIn(input);
            switch (input)
            {
                case [0x80]:
                case [0xFF, ..]:
                    r.UVarint();
                    break;
                case [0x05, ..]:
                    r.BytesSpan();
                    break;
                case [0x02]:
                    r.Bool();
                    break;
                default:
                    r.Byte();
                    r.End();
                    break;
            }
        });
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void AnEntryCountBeyondWhatTheBytesCanHoldIsRefusedBeforeAllocating()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new BinaryOut(buffer).UVarint(1_000_000_000);
        var e = Assert.Throws<FormatException>(() => new BinaryIn(buffer.WrittenSpan).Entries());
        Assert.StartsWith("Entry count 1000000000 at byte 5 exceeds", e.Message);
    }
}
