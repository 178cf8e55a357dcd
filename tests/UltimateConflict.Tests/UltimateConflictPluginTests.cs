using Xunit;

namespace UltimateConflict.Tests;

public sealed class UltimateConflictPluginTests
{
    [Fact]
    public void Register_rejects_a_null_context() =>
        Assert.Throws<ArgumentNullException>(() => new UltimateConflictPlugin().Register(null!));
}
