using Kernel.Node.Etcd;

namespace Kernel.Node.Tests.Etcd;

public sealed class EtcdApiOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        var options = new EtcdApiOptions().Validate();
        Assert.Equal((1024, TimeSpan.FromMilliseconds(500), "3.4.0"), (options.WatchBuffer, options.LeaseCheckInterval, options.ServerVersion));
    }

    [Fact]
    public void Every_setting_out_of_range_is_named_at_once()
    {
        var options = new EtcdApiOptions { WatchBuffer = 0, LeaseCheckInterval = TimeSpan.Zero, WatchProgressInterval = TimeSpan.Zero, ServerVersion = " " };
        var error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("WatchBuffer is 0; allowed 1 to 1000000.", error.Message, StringComparison.Ordinal);
        Assert.Contains("LeaseCheckInterval is 00:00:00; allowed above 0 up to 1 minute.", error.Message, StringComparison.Ordinal);
        Assert.Contains("WatchProgressInterval is 00:00:00; allowed 100 ms to 1 day.", error.Message, StringComparison.Ordinal);
        Assert.Contains("ServerVersion is empty", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new EtcdMemberApplication(options: options));
    }
}
