using Kernel.Host.Hosting;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;

namespace Kernel.Tests.Registry;

public sealed class StrategyResolverTests
{
    /// <summary>Two instances of conflict/sample-lww with different options, and conflict/delegating of another plugin using one by name.</summary>
    private const string Config = """
        {
          "strategies": {
            "conflict": {
              "lww-by-node": { "strategy": "sample-lww", "options": { "tieBreak": "replica-id" } },
              "lww-siblings": { "strategy": "sample-lww", "options": { "tieBreak": "none" } },
              "delegating": { "options": { "resolver": "conflict/lww-siblings" } }
            }
          }
        }
        """;

    private static readonly Conflict Tied = new("k", [Version(1, 5), Version(3, 5), Version(2, 4)], null);

    private static VersionedValue Version(int replica, long timestamp) =>
        new(new NodeId(replica), new byte[] { (byte)replica }, timestamp, VersionVector.Empty.With(new NodeId(replica), 1));

    private static KernelRuntime Start(TestPluginsFolder folder, string config)
    {
        folder.Add("SamplePlugin");
        folder.Add("CompositePlugin");
        var runtime = folder.CreateRuntime(config);
        runtime.Start();
        return runtime;
    }

    [Fact]
    public async Task Two_instances_of_one_strategy_resolve_with_their_own_options()
    {
        using var folder = new TestPluginsFolder();
        await using var runtime = Start(folder, Config);
        var resolver = runtime.ResolverFor("test");

        using var byNode = resolver.GetConflictResolver("conflict/lww-by-node");
        using var siblings = resolver.GetConflictResolver("lww-siblings");
        using var own = resolver.GetConflictResolver("conflict/sample-lww");

        Assert.Equal(new NodeId(3), byNode.Value.Resolve(Tied).Resolved!.Replica);
        Assert.Equal(new NodeId(3), own.Value.Resolve(Tied).Resolved!.Replica); // the strategy's own entry: defaults
        var kept = siblings.Value.Resolve(Tied);
        Assert.True(kept.HasSiblings);
        Assert.Equal([new NodeId(3), new NodeId(1)], kept.Kept.Select(v => v.Replica));
        Assert.Equal("2 versions share timestamp 5; kept as siblings (tieBreak none)", kept.Explanation);
        Assert.Equal(("conflict/lww-siblings", "SamplePlugin"), (siblings.Key, siblings.PluginId));
    }

    [Fact]
    public async Task A_strategy_of_one_plugin_uses_another_plugins_strategy_by_name()
    {
        using var folder = new TestPluginsFolder();
        await using var runtime = Start(folder, Config);

        using var lease = runtime.ResolverFor("test").GetConflictResolver("conflict/delegating");
        var resolution = lease.Value.Resolve(Tied);

        Assert.Equal("CompositePlugin", lease.PluginId);
        Assert.Equal(2, resolution.Kept.Count);
        Assert.StartsWith("via conflict/lww-siblings: 2 versions share timestamp 5", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_reference_at_run_time_names_what_exists()
    {
        using var folder = new TestPluginsFolder();
        await using var runtime = Start(folder, Config);
        var resolver = runtime.ResolverFor("test");

        var unknown = Assert.Throws<StrategyResolutionException>(() => resolver.GetConflictResolver("conflict/nope"));
        Assert.Equal("conflict/nope names no strategy or instance; conflict strategies and instances: delegating, lww-by-node, lww-siblings, sample-lww.", unknown.Message);
        var wrong = Assert.Throws<StrategyResolutionException>(() => resolver.GetConflictResolver("crdt/g-counter"));
        Assert.StartsWith("'crdt/g-counter' is not a conflict reference", wrong.Message, StringComparison.Ordinal);
        var noCrdt = Assert.Throws<StrategyResolutionException>(() => resolver.GetCrdtType("g-counter"));
        Assert.Equal("crdt/g-counter names no strategy or instance; crdt strategies and instances: none.", noCrdt.Message);
    }

    [Fact]
    public async Task A_crdt_type_is_resolved_by_name_and_used_as_bytes()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("CrdtPlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        using var counter = runtime.ResolverFor("test").GetCrdtType("crdt/g-counter");
        var type = counter.Value;
        var a = type.Update(type.Empty(), new NodeId(1), "inc 2");
        var b = type.Update(type.Empty(), new NodeId(2), "inc");
        Assert.Equal("3", type.Read(type.MergeDelta(a.State, b.Delta)));
    }
}
