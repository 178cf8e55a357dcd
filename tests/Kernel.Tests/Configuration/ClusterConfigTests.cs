using Kernel.Host.Configuration;

namespace Kernel.Tests.Configuration;

public sealed class ClusterConfigTests
{
    [Fact]
    public void Absent_settings_take_the_defaults_and_snapshotCount_is_read_as_etcd_names_it()
    {
        using var folder = new TestPluginsFolder();
        var defaults = KernelConfig.Load(folder.WriteConfig("""{ }"""), null, []).Cluster;
        Assert.Equal(ClusterConfig.Default, defaults);
        Assert.Null(defaults.SnapshotCount);

        var set = KernelConfig.Load(folder.WriteConfig("""{ "cluster": { "strategy": "consensus/zab", "snapshotCount": 250000, "tickMilliseconds": 20 } }"""), null, []).Cluster;
        Assert.Equal(("consensus/zab", 250_000L, 20), (set.Strategy, set.SnapshotCount!.Value, set.TickMilliseconds!.Value));
        Assert.Equal(0L, KernelConfig.Load(folder.WriteConfig("""{ "cluster": { "snapshotCount": 0 } }"""), null, []).Cluster.SnapshotCount);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("\"often\"")]
    [InlineData("2000000000")]
    public void A_bad_snapshotCount_names_the_file_the_setting_and_what_is_allowed(string value)
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig($$"""{ "cluster": { "snapshotCount": {{value}} } }""");

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, []));

        Assert.Contains($"{path} line 1: cluster.snapshotCount is", ex.Message);
        Assert.Contains("expected 0 (never) to 1000000000 applied entries between snapshots.", ex.Message);
    }

    [Fact]
    public void The_request_timeout_is_read_and_reaches_the_runtime()
    {
        using var folder = new TestPluginsFolder();
        Assert.Null(KernelConfig.Load(folder.WriteConfig("""{ }"""), null, []).Cluster.RequestTimeoutMilliseconds);
        var set = KernelConfig.Load(folder.WriteConfig("""{ "cluster": { "requestTimeoutMilliseconds": 1500 } }"""), null, []).Cluster;
        Assert.Equal(1500, set.RequestTimeoutMilliseconds);

        var member = new Kernel.Node.Hosting.ClusterOptions { Name = "m1", PeerUrls = [], ClientUrls = [], InitialCluster = "" };
        Assert.Equal(TimeSpan.FromSeconds(5), member.Runtime.ForwardTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), (member with { RequestTimeout = TimeSpan.FromMilliseconds(1500) }).Runtime.ForwardTimeout);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("600001")]
    [InlineData("\"5s\"")]
    public void A_bad_request_timeout_names_the_file_the_setting_and_what_is_allowed(string value)
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig($$"""{ "cluster": { "requestTimeoutMilliseconds": {{value}} } }""");

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, []));

        Assert.Contains($"{path} line 1: cluster.requestTimeoutMilliseconds is", ex.Message);
        Assert.Contains("expected 100 to 600000.", ex.Message);
    }

    [Fact]
    public void An_unknown_cluster_setting_lists_the_allowed_ones()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("""{ "cluster": { "snapshotEvery": 5 } }""");

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, []));

        Assert.Contains("cluster: unknown setting 'snapshotEvery'; allowed: strategy, dataDir, clientPort, members, token, tickMilliseconds, snapshotCount, requestTimeoutMilliseconds.", ex.Message);
    }

    [Theory]
    [InlineData("consensus/raft", false)]
    [InlineData("replication/sync-quorum", true)]
    [InlineData("replication/crdt", true)]
    [InlineData("replication/my-own", true)]
    public void The_strategy_may_be_a_consensus_or_a_replication_strategy(string strategy, bool replication)
    {
        using var folder = new TestPluginsFolder();
        var cluster = KernelConfig.Load(folder.WriteConfig($$"""{ "cluster": { "strategy": "{{strategy}}" } }"""), null, []).Cluster;

        Assert.Equal((strategy, true, replication), (cluster.Strategy, cluster.Named, cluster.IsReplication));
    }

    [Theory]
    [InlineData("\"conflict/lww\"")]
    [InlineData("\"raft\"")]
    [InlineData("\"replication/\"")]
    [InlineData("\"replication/Not Valid\"")]
    [InlineData("7")]
    public void Another_strategy_is_refused_naming_what_is_allowed(string value)
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig($$"""{ "cluster": { "strategy": {{value}} } }""");

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, []));

        Assert.Contains($"{path} line 1: cluster.strategy is", ex.Message);
        Assert.Contains("expected a consensus strategy as \"consensus/NAME\" (for example \"consensus/raft\") or a replication strategy as \"replication/NAME\"", ex.Message);
    }
}
