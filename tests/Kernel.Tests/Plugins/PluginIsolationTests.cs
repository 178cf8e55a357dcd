using Kernel.Host.Hosting;
using Kernel.Host.Plugins;
using Microsoft.Extensions.Logging.Abstractions;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Plugins;

/// <summary>A plugin that misbehaves in any callback is marked failed with the reason; the kernel and the other plugins go on.</summary>
public sealed class PluginIsolationTests
{
    private static PluginInfo Plugin(KernelRuntime runtime, string id) =>
        Assert.Single(runtime.Plugins.Plugins, p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task A_plugin_whose_option_validation_throws_is_failed_and_the_kernel_goes_on()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("BadOptionsPlugin");
        var path = folder.WriteConfig("{}");

        var (code, stdout, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        Assert.Contains("BadOptionsPlugin 1.0.0  SDK [2.0.0, 3.0.0)  failed: ValidateOptions of conflict/bad-options threw NotSupportedException: validation is broken", stdout);
        Assert.Contains("SamplePlugin 1.0.0  SDK [2.0.0, 3.0.0)  loaded", stdout);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task A_Register_that_never_returns_fails_its_plugin_after_the_time_limit()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("HangingPlugin");
        await using var runtime = folder.CreateRuntime("""{ "registerTimeoutSeconds": 0.5 }""");
        runtime.Start();

        var info = Plugin(runtime, "HangingPlugin");
        Assert.Equal(PluginStatus.Failed, info.Status);
        Assert.StartsWith("Register did not return within 0.5 s (registerTimeoutSeconds in the configuration)", info.Reason);
        Assert.Equal(0, runtime.Bus.CountOwnedBy("HangingPlugin"));
        Assert.Equal(PluginStatus.Loaded, Plugin(runtime, "SamplePlugin").Status);
    }

    [Fact]
    public async Task An_entry_assembly_linked_from_outside_the_plugin_folder_is_refused()
    {
        using var folder = new TestPluginsFolder();
        var dir = folder.Add("SamplePlugin");
        var outside = Path.Combine(folder.Root, "elsewhere.dll");
        File.Move(Path.Combine(dir, "SamplePlugin.dll"), outside);
        File.CreateSymbolicLink(Path.Combine(dir, "SamplePlugin.dll"), outside);
        PluginManagerTests.RewriteManifest(dir, sha: null);
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Plugin(runtime, "SamplePlugin");
        Assert.Equal(PluginStatus.Failed, info.Status);
        Assert.Equal($"entry assembly SamplePlugin.dll is a link to {outside}, outside the plugin folder {dir}; a plugin's entry assembly must be inside its folder", info.Reason);
    }

    [Fact]
    public async Task An_entry_assembly_linked_inside_the_plugin_folder_loads()
    {
        using var folder = new TestPluginsFolder();
        var dir = folder.Add("SamplePlugin");
        Directory.CreateDirectory(Path.Combine(dir, "lib"));
        File.Move(Path.Combine(dir, "SamplePlugin.dll"), Path.Combine(dir, "lib", "SamplePlugin.dll"));
        File.CreateSymbolicLink(Path.Combine(dir, "SamplePlugin.dll"), Path.Combine("lib", "SamplePlugin.dll"));
        PluginManagerTests.RewriteManifest(dir, sha: null);
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        Assert.Equal(PluginStatus.Loaded, Plugin(runtime, "SamplePlugin").Status);
    }

    [Theory]
    [InlineData("Bad:Id")]
    [InlineData("Bad__Id")]
    [InlineData("-dash")]
    [InlineData("with space")]
    public async Task A_plugin_id_configuration_cannot_address_is_refused(string id)
    {
        using var folder = new TestPluginsFolder();
        var dir = folder.Add("SamplePlugin");
        PluginManagerTests.RewriteManifest(dir, id: id);
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        var info = Assert.Single(runtime.Plugins.Plugins);
        Assert.Equal(PluginStatus.Failed, info.Status);
        Assert.Contains($"id '{id}' cannot be addressed in configuration; use letters, digits, '.', '-' and '_' (no '__')", info.Reason);
    }

    [Fact]
    public async Task A_plugins_folder_created_after_start_is_loaded_and_watched()
    {
        using var folder = new TestPluginsFolder();
        Directory.Delete(folder.Folder);
        await using var runtime = folder.CreateRuntime();
        runtime.Start();
        using var watcher = new PluginWatcher(runtime.Plugins, NullLogger.Instance);

        folder.Add("SamplePlugin");
        for (var i = 0; i < 300 && !runtime.Registry.TryGet("conflict/sample-lww", out _); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(runtime.Registry.TryGet("conflict/sample-lww", out _), "the plugin in the folder created after start was not loaded");

        // And the folder is watched from then on: a second plugin dropped in is hot-loaded.
        folder.Add("UltimateConsensus");
        for (var i = 0; i < 300 && !runtime.Registry.TryGet("consensus/raft", out _); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(runtime.Registry.TryGet("consensus/raft", out _), "a plugin added to the watched folder was not loaded");
    }
}
