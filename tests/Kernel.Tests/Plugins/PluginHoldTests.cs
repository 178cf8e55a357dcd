using Kernel.Host.Hosting;
using Kernel.Host.Plugins;

namespace Kernel.Tests.Plugins;

public sealed class PluginHoldTests
{
    private const string Config = """
        { "strategies": { "conflict": { "delegating": { "options": { "resolver": "conflict/sample-lww" } } } } }
        """;

    [Fact]
    public async Task A_plugin_in_use_is_refused_unload_with_what_holds_it_and_unloads_once_released()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("CompositePlugin");
        await using var runtime = folder.CreateRuntime(Config);
        runtime.Start();

        var lease = runtime.ResolverFor("node runtime (replication/toy)").GetConflictResolver("conflict/delegating");

        Assert.Equal("SamplePlugin is in use by: conflict/delegating (plugin CompositePlugin)", await runtime.Plugins.UnloadAsync("SamplePlugin"));
        Assert.Equal("CompositePlugin is in use by: node runtime (replication/toy)", await runtime.Plugins.UnloadAsync("CompositePlugin"));
        Assert.Equal(PluginStatus.Loaded, runtime.Plugins.Plugins.Single(p => p.Id == "SamplePlugin").Status);
        Assert.True(runtime.Registry.TryGet("conflict/sample-lww", out _));

        lease.Dispose();
        lease.Dispose(); // idempotent

        Assert.Null(runtime.Plugins.InUse("SamplePlugin"));
        Assert.Null(await runtime.Plugins.UnloadAsync("SamplePlugin"));
        Assert.Null(await runtime.Plugins.UnloadAsync("CompositePlugin"));
        Assert.Equal("SamplePlugin is not loaded", await runtime.Plugins.UnloadAsync("SamplePlugin"));
    }

    [Fact]
    public async Task A_hold_taken_by_the_kernel_names_its_holder_and_a_reload_waits_for_it()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();
        var released = new List<string>();
        runtime.Plugins.Released += released.Add;

        var hold = runtime.Plugins.Hold("SamplePlugin", "node runtime (consensus/raft)");
        var second = runtime.Plugins.Hold("SamplePlugin", "pipeline default");

        Assert.Equal("SamplePlugin is in use by: node runtime (consensus/raft), pipeline default", runtime.Plugins.InUse("SamplePlugin"));
        Assert.False(runtime.Plugins.Unload("SamplePlugin"));
        var before = runtime.Plugins.LoadContextOf("SamplePlugin")!.Target;
        var reloaded = runtime.Plugins.Reload("SamplePlugin");
        Assert.Equal(PluginStatus.Loaded, reloaded!.Status);
        Assert.Same(before, runtime.Plugins.LoadContextOf("SamplePlugin")!.Target); // not reloaded under its users

        hold.Dispose();
        Assert.Empty(released);
        second.Dispose();
        Assert.Equal(["SamplePlugin"], released);
        Assert.Throws<InvalidOperationException>(() => runtime.Plugins.Hold("NoSuchPlugin", "x"));
        Assert.True(runtime.Plugins.Unload("SamplePlugin"));
        Assert.Throws<InvalidOperationException>(() => runtime.Plugins.Hold("SamplePlugin", "x"));
    }

    [Fact]
    public async Task Hot_reload_of_a_held_plugin_is_deferred_until_it_is_released()
    {
        using var folder = new TestPluginsFolder();
        var dir = folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();
        var logger = new ListLogger();
        using var watcher = new PluginWatcher(runtime.Plugins, logger);
        var hold = runtime.Plugins.Hold("SamplePlugin", "node runtime (consensus/raft)");
        var before = runtime.Plugins.LoadContextOf("SamplePlugin")!.Target;

        File.SetLastWriteTimeUtc(Path.Combine(dir, "SamplePlugin.dll"), DateTime.UtcNow);
        File.AppendAllText(Path.Combine(dir, "touch.txt"), "x");
        await logger.WaitFor("deferred until the plugin is released: SamplePlugin is in use by: node runtime (consensus/raft)");
        Assert.Same(before, runtime.Plugins.LoadContextOf("SamplePlugin")!.Target);

        hold.Dispose();
        await logger.WaitFor("no longer in use; carrying out the deferred hot reload");
        await logger.WaitFor(": plugin SamplePlugin is loaded");
        Assert.NotSame(before, runtime.Plugins.LoadContextOf("SamplePlugin")?.Target);
        Assert.Equal(PluginStatus.Loaded, runtime.Plugins.Plugins.Single(p => p.Id == "SamplePlugin").Status);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        private readonly List<string> _lines = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }

        /// <summary>Waits for a line containing <paramref name="text"/>; the bound only keeps a broken build from hanging.</summary>
        public async Task WaitFor(string text)
        {
            for (var i = 0; i < 600; i++)
            {
                lock (_lines)
                {
                    if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                    {
                        return;
                    }
                }

                await Task.Delay(50);
            }

            lock (_lines)
            {
                Assert.Fail($"no log line contains '{text}'; lines: {string.Join(" | ", _lines)}");
            }
        }
    }
}
