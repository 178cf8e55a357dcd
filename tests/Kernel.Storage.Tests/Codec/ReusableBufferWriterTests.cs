using System.Buffers;

using Kernel.Storage.Codec;

namespace Kernel.Storage.Tests.Codec;

public sealed class ReusableBufferWriterTests
{
    [Fact]
    public void GrowsKeepingWhatWasWrittenAndLetsItBePatched()
    {
        var w = new ReusableBufferWriter(4, 64);
        w.Write<byte>([1, 2, 3]);
        w.Write<byte>([4, 5, 6, 7, 8, 9]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, w.WrittenSpan.ToArray());
        w.WrittenSpan[0] = 42;
        Assert.Equal(42, w.WrittenSpan[0]);
        Assert.True(w.Capacity >= 9);
        Assert.Throws<InvalidOperationException>(() => w.Advance(w.Capacity));
    }

    [Fact]
    public void ResetKeepsTheArrayUpToTheRetainedSizeOnly()
    {
        var w = new ReusableBufferWriter(8, 32);
        w.Write(new byte[20]);
        var grown = w.Capacity;
        w.Reset();
        Assert.Equal(0, w.WrittenCount);
        Assert.Equal(grown, w.Capacity); // kept: no new array next time

        w.Write(new byte[100]);
        w.Reset();
        Assert.Equal(8, w.Capacity); // a one-off huge record does not pin its memory
    }
}
