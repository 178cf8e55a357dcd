using Kernel.Storage.Codec;

namespace Kernel.Storage.Tests.Codec;

public sealed class Crc32CTests
{
    [Fact]
    public void MatchesTheCastagnoliCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 333)), data.AsSpan(333)));
    }
}
