using System.Runtime.CompilerServices;
using Kernel.Host.Hosting;

namespace Kernel.Tests.Plugins;

public sealed class PluginServicesTests
{
    [Fact]
    public async Task Services_a_plugin_adds_are_seen_while_it_is_loaded_and_go_with_it()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("ServicesPlugin");
        folder.Add("SamplePlugin");
        await using var runtime = folder.CreateRuntime();
        runtime.Start();

        Assert.Equal(DateTimeOffset.UnixEpoch, UseService(runtime));

        var context = UnloadAndKeepWeakReference(runtime);
        for (var i = 0; i < 20 && context.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(context.IsAlive, "the plugin's load context is still reachable after unload: its services pin it");
        Assert.Null(runtime.Services.GetService(typeof(TimeProvider)));
        Assert.Empty(runtime.Services.GetServices<TimeProvider>());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DateTimeOffset UseService(KernelRuntime runtime)
    {
        var clock = Assert.IsAssignableFrom<TimeProvider>(runtime.Services.GetService(typeof(TimeProvider)));
        Assert.Equal("EpochTimeProvider", clock.GetType().Name);
        Assert.Same(clock, Assert.Single(runtime.Services.GetServices<TimeProvider>()));
        return clock.GetUtcNow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UnloadAndKeepWeakReference(KernelRuntime runtime)
    {
        var weak = runtime.Plugins.LoadContextOf("ServicesPlugin")!;
        Assert.True(runtime.Plugins.Unload("ServicesPlugin"));
        return weak;
    }
}
