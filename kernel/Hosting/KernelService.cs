using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>Runs the kernel inside the generic host: loads plugins at start, watches the plugins folder, unloads at stop.</summary>
/// <remarks>The runtime is a container singleton: the container disposes it (unloading every plugin) after the host stops.</remarks>
internal sealed class KernelService(KernelRuntime runtime, ILogger<KernelService> logger) : IHostedService, IDisposable
{
    private PluginWatcher? _watcher;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.Start();
        _watcher = new PluginWatcher(runtime.Plugins, logger);
        var loaded = runtime.Plugins.Plugins.Count(p => p.Status == Plugins.PluginStatus.Loaded);
        logger.LogInformation("Kernel ready: {Loaded} plugins loaded, {Strategies} strategies registered, watching {Folder}",
            loaded, runtime.Registry.All.Count, runtime.Plugins.Folder);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
        _watcher = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _watcher?.Dispose();
}
