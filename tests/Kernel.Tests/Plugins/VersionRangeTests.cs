using Kernel.Host.Plugins;

namespace Kernel.Tests.Plugins;

public sealed class VersionRangeTests
{
    [Theory]
    [InlineData("1.0.0", "1.0.0", true)]
    [InlineData("1.0.0", "0.9.9", false)]
    [InlineData("1.0.0", "7.0.0", true)]
    [InlineData("[1.0.0, 2.0.0)", "1.5.0", true)]
    [InlineData("[1.0.0, 2.0.0)", "2.0.0", false)]
    [InlineData("(1.0.0, 2.0.0]", "1.0.0", false)]
    [InlineData("(1.0.0, 2.0.0]", "2.0.0", true)]
    [InlineData("[1.2.0]", "1.2.0", true)]
    [InlineData("[1.2.0]", "1.2.1", false)]
    [InlineData("(, 2.0)", "1.9.9", true)]
    [InlineData("[1.0, )", "1.0.0", true)]
    public void Contains_follows_nuget_interval_notation(string range, string version, bool expected)
    {
        Assert.True(VersionRange.TryParse(range, out var parsed, out var error), error);
        Assert.Equal(expected, parsed.Contains(Version.Parse(version)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("abc", "'abc' is not a version")]
    [InlineData("[1.0, 2.0", "does not close it")]
    [InlineData("(,)", "has no bound")]
    [InlineData("[1.0, x)", "'x' in '[1.0, x)' is not a version")]
    public void Malformed_ranges_say_what_is_wrong(string range, string message)
    {
        Assert.False(VersionRange.TryParse(range, out _, out var error));
        Assert.Contains(message, error);
    }
}
