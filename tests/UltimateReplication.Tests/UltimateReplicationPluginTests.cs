using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Plugins;
using UltimateReplication.SyncQuorum;
using Xunit;

namespace UltimateReplication.Tests;

public sealed class UltimateReplicationPluginTests
{
    [Fact]
    public void The_plugin_registers_its_replication_strategies()
    {
        var strategies = PluginProbe.Register(new UltimateReplicationPlugin());
        Assert.Equal(["sync-quorum", "async", "multi-master", "real-time", "delta", "crdt"], strategies.Select(s => s.Name));
        Assert.All(strategies, s => Assert.Equal(StrategyCategory.Replication, s.Category));

    }
}
