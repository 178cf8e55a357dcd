using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Crdt;

public sealed class CrdtReaderTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(300L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Signed_numbers_round_trip(long value)
    {
        var writer = new CrdtWriter();
        writer.WriteSigned(value);
        var reader = new CrdtReader(writer.ToArray());
        Assert.Equal(value, reader.ReadSigned());
        reader.ExpectEnd();
    }

    [Fact]
    public void A_number_in_a_longer_form_than_its_shortest_is_refused()
    {
        Assert.Throws<FormatException>(() => new CrdtReader([0x81, 0x00]).ReadUnsigned());
        Assert.Throws<FormatException>(() => new CrdtReader([0x80]).ReadUnsigned());
    }

    [Fact]
    public void Strings_round_trip_and_bad_utf8_or_lengths_are_refused()
    {
        var writer = new CrdtWriter();
        writer.WriteString("héllo");
        var reader = new CrdtReader(writer.ToArray());
        Assert.Equal("héllo", reader.ReadString());
        Assert.Throws<FormatException>(() => new CrdtReader([1, 0xFF]).ReadString());
        Assert.Throws<FormatException>(() => new CrdtReader([5, 1]).ReadString());
    }
}
