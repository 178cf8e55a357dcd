using System.Runtime.CompilerServices;
using Kernel.Host.Hosting;
using Kernel.Host.Plugins;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Messaging;

namespace Kernel.Tests.Plugins;

public sealed class PluginManagerTests
{
    private static PluginInfo Plugin(KernelRuntime runtime, string id) =>
        Assert.Single(runtime.Plugins.Plugins, p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AssertSampleWorks(KernelRuntime runtime)
    {
        Assert.Contains(runtime.Plugins.Plugins, p => p.Id == "SamplePlugin" && p.Status == PluginStatus.Loaded);
        Assert.True(runtime.Registry.TryGet("conflict/sample-lww", out var registration));
        Assert.IsAssignableFrom<IConflictResolutionStrategy>(registration.Strategy);
        using var lease = runtime.ResolverFor("test").GetConflictResolver("conflict/sample-lww");
        var older = new VersionedValue(new NodeId(1), new byte[] { 1 }, 10, VersionVector.Empty);
        var newer = new VersionedValue(new NodeId(2), new byte[] { 2 }, 20, VersionVector.Empty);
        var resolution = lease.Value.Resolve(new Conflict("k", [older, newer], null));
        Assert.Equal(new NodeId(2), resolution.Resolved!.Replica);
    }

    [Fact]
    public async Task Sample_plugin_is_listed_and_used()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Plugin(runtime, "SamplePlugin");
        Assert.Equal("1.0.0", info.Version);
        Assert.Null(info.Reason);
        Assert.Contains(info.Strategies, s => s.Name == "sample-lww");
        AssertSampleWorks(runtime);
    }

    [Fact]
    public async Task Sample_plugin_answers_on_the_bus()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var answered = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = runtime.Bus.Subscribe("test", new Topic<string>("sample.pong"), (m, _) =>
        {
            answered.TrySetResult(m);
            return ValueTask.CompletedTask;
        }, 4);
        await runtime.Bus.PublishAsync(new Topic<string>("sample.ping"), "hello", CancellationToken.None);
        var reply = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("pong hello from SamplePlugin", reply);
    }

    public static TheoryData<string, Action<string>, string, string> Failures => new()
    {
        { "missing manifest", dir => File.Delete(Path.Combine(dir, "plugin.json")), "failed", "missing manifest" },
        { "malformed manifest", dir => File.WriteAllText(Path.Combine(dir, "plugin.json"), "{ \"id\": \"Broken\",\n  \"version\": }"), "failed", "is not valid JSON at line 2, column" },
        { "manifest without fields", dir => File.WriteAllText(Path.Combine(dir, "plugin.json"), "{ \"id\": \"Broken\" }"), "failed", "lacks version, entryAssembly, sdkVersion" },
        { "missing entry assembly", dir => File.Delete(Path.Combine(dir, "SamplePlugin.dll")), "failed", "entry assembly SamplePlugin.dll not found" },
        { "corrupt entry assembly", dir => { File.WriteAllBytes(Path.Combine(dir, "SamplePlugin.dll"), [0x4d, 0x5a, 1, 2, 3, 4, 5]); RewriteManifest(dir, sha: null); }, "failed", "is not a valid .NET assembly" },
        { "sha-256 mismatch", dir => RewriteManifest(dir, sha: new string('0', 64)), "failed", "SHA-256 mismatch for SamplePlugin.dll: manifest says 0000" },
        { "sdk out of range", dir => RewriteManifest(dir, sdk: "[3.0.0, 4.0.0)"), "incompatible", "needs Kernel.Sdk [3.0.0, 4.0.0); this kernel has 2.0.0" },
        { "bad sdk range", dir => RewriteManifest(dir, sdk: "[2.0.0, 3.0.0"), "failed", "opens an interval but does not close it" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_broken_plugin_is_reported_and_the_rest_keep_working(string caseName, Action<string> breakIt, string status, string reason)
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var broken = folder.Add("SamplePlugin", "Broken");
        RewriteManifest(broken, id: "Broken");
        breakIt(broken);
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Assert.Single(runtime.Plugins.Plugins, p => p.Folder == broken);
        Assert.True(info.Status.ToString().ToLowerInvariant() == status, $"{caseName}: status {info.Status}, reason {info.Reason}");
        Assert.Contains(reason, info.Reason);
        Assert.Empty(info.Strategies);
        AssertSampleWorks(runtime);
    }

    [Fact]
    public async Task A_plugin_built_for_sdk_1_is_incompatible_with_both_versions_named_and_the_rest_load()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("JsonV13Plugin");
        var old = folder.Add("SamplePlugin", "SdkOnePlugin");
        RewriteManifest(old, id: "SdkOnePlugin", sdk: "[1.0.0, 2.0.0)");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Plugin(runtime, "SdkOnePlugin");
        Assert.Equal(PluginStatus.Incompatible, info.Status);
        Assert.Equal("[1.0.0, 2.0.0)", info.SdkRange);
        Assert.Equal("needs Kernel.Sdk [1.0.0, 2.0.0); this kernel has 2.0.0", info.Reason);
        Assert.Empty(info.Strategies);
        Assert.Equal(0, runtime.Bus.CountOwnedBy("SdkOnePlugin"));
        Assert.Equal(PluginStatus.Loaded, Plugin(runtime, "JsonV13Plugin").Status);
        Assert.True(runtime.Registry.TryGet("conflict/json-v13-probe", out _));
        AssertSampleWorks(runtime);
    }

    [Fact]
    public async Task A_plugin_whose_Register_throws_is_failed_and_its_subscriptions_removed()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("ThrowingPlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Plugin(runtime, "ThrowingPlugin");
        Assert.Equal(PluginStatus.Failed, info.Status);
        Assert.Equal("Register threw InvalidOperationException: the throwing plugin refuses to register", info.Reason);
        Assert.Equal(0, runtime.Bus.CountOwnedBy("ThrowingPlugin"));
        AssertSampleWorks(runtime);
    }

    [Fact]
    public async Task A_strategy_name_taken_by_another_plugin_fails_the_second_plugin()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var copy = folder.Add("SamplePlugin", "ZCopy");
        RewriteManifest(copy, id: "ZCopy");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Plugin(runtime, "ZCopy");
        Assert.Equal(PluginStatus.Failed, info.Status);
        Assert.Equal("Register threw StrategyRegistrationException: strategy conflict/sample-lww is already registered by plugin SamplePlugin", info.Reason);
        Assert.Equal(0, runtime.Bus.CountOwnedBy("ZCopy"));
        Assert.Equal("SamplePlugin", runtime.Registry.OwnerOf("conflict/sample-lww"));
        AssertSampleWorks(runtime);
    }

    [Fact]
    public async Task Two_folders_with_one_id_fail_the_second()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("SamplePlugin", "SamplePlugin2");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var second = Assert.Single(runtime.Plugins.Plugins, p => p.Folder.EndsWith("SamplePlugin2", StringComparison.Ordinal));
        Assert.Equal(PluginStatus.Failed, second.Status);
        Assert.Contains("plugin id SamplePlugin is already used by the plugin in", second.Reason);
        AssertSampleWorks(runtime);
    }

    [Fact]
    public async Task A_disabled_plugin_is_listed_but_not_loaded()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime("""{ "plugins": { "SamplePlugin": { "enabled": false } } }""");
        runtime.Start();

        Assert.Equal(PluginStatus.Disabled, Plugin(runtime, "SamplePlugin").Status);
        Assert.Empty(runtime.Registry.All);
    }

    [Fact]
    public async Task Plugins_depending_on_different_major_versions_of_a_library_load_side_by_side()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("JsonV12Plugin");
        folder.Add("JsonV13Plugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        Assert.True(runtime.Registry.TryGet("conflict/json-v12-probe", out var v12));
        Assert.True(runtime.Registry.TryGet("conflict/json-v13-probe", out var v13));
        Assert.Equal("Newtonsoft.Json 12.0.0.0", v12.Strategy.Description);
        Assert.Equal("Newtonsoft.Json 13.0.0.0", v13.Strategy.Description);
        var sample = new Conflict("k", [new VersionedValue(new NodeId(1), Array.Empty<byte>(), 1, VersionVector.Empty)], null);
        var resolver = runtime.ResolverFor("test");
        Assert.Equal("{\"seen\":\"12.0.0.0\"}", resolver.GetConflictResolver("conflict/json-v12-probe").Value.Resolve(sample).Explanation);
        Assert.Equal("{\"seen\":\"13.0.0.0\"}", resolver.GetConflictResolver("conflict/json-v13-probe").Value.Resolve(sample).Explanation);
        resolver.ReleaseAll();
    }

    [Fact]
    public async Task Unloading_a_plugin_releases_its_load_context_and_every_host_reference()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();
        AssertSampleWorks(runtime);
        Assert.Equal(1, runtime.Bus.CountOwnedBy("SamplePlugin"));

        var context = UnloadAndKeepWeakReference(runtime);

        for (var i = 0; i < 20 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(context.IsAlive, "the plugin's load context is still reachable after unload");
        Assert.False(runtime.Registry.TryGet("conflict/sample-lww", out _));
        Assert.Equal(0, runtime.Bus.CountOwnedBy("SamplePlugin"));
        Assert.Equal(PluginStatus.Unloaded, Plugin(runtime, "SamplePlugin").Status);

        var reloaded = runtime.Plugins.Reload("SamplePlugin");
        Assert.Equal(PluginStatus.Loaded, reloaded!.Status);
        AssertSampleWorks(runtime);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UnloadAndKeepWeakReference(KernelRuntime runtime)
    {
        var weak = runtime.Plugins.LoadContextOf("SamplePlugin")!;
        Assert.True(weak.IsAlive);
        Assert.True(runtime.Plugins.Unload("SamplePlugin"));
        return weak;
    }

    [Fact]
    public async Task Hot_reload_picks_up_a_plugin_copied_into_the_folder()
    {
        using var folder = new TestPluginsFolder();
        await using var runtime = folder.CreateRuntime();
        runtime.Start();
        Assert.Empty(runtime.Plugins.Plugins);

        using var watcher = new PluginWatcher(runtime.Plugins, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        folder.Add("SamplePlugin");

        for (var i = 0; i < 300 && !runtime.Registry.TryGet("conflict/sample-lww", out _); i++)
        {
            await Task.Delay(100);
        }

        AssertSampleWorks(runtime);
    }

    internal static void RewriteManifest(string dir, string? id = null, string? sdk = null, string? sha = "keep")
    {
        var path = Path.Combine(dir, "plugin.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (id is not null)
        {
            node["id"] = id;
        }

        if (sdk is not null)
        {
            node["sdkVersion"] = sdk;
        }

        if (sha != "keep")
        {
            node["sha256"] = sha;
        }

        File.WriteAllText(path, node.ToJsonString());
    }
}
