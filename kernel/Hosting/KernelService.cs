using Kernel.Host.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>The exit code <c>run</c> returns once the host has stopped.</summary>
internal sealed class ExitCodeHolder
{
    public int Code { get; set; }
}

/// <summary>Runs the kernel inside the generic host: loads plugins at start, watches the plugins folder, unloads at stop.</summary>
/// <remarks>
/// The runtime is a container singleton: the container disposes it (unloading every plugin) after the host stops. A
/// configuration problem found at start is written as its message alone (no stack trace), sets exit code 2 and stops the host.
/// </remarks>
internal sealed class KernelService(
    KernelRuntime runtime,
    IHostApplicationLifetime lifetime,
    ExitCodeHolder exit,
    TextWriter error,
    ILogger<KernelService> logger) : IHostedService, IDisposable
{
    private PluginWatcher? _watcher;
    private ConfigWatcher? _configWatcher;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in runtime.Config.IgnoredEnvironment)
        {
            logger.LogDebug("Environment variable {Name} names no setting of the kernel's; ignored", name);
        }

        try
        {
            runtime.Start();
        }
        catch (ConfigurationException ex)
        {
            Cli.KernelCli.WriteError(error, ex.Message);
            exit.Code = Cli.KernelCli.InvalidInput;
            lifetime.StopApplication();
            return Task.CompletedTask;
        }

        if (runtime.UncheckedWarning is { } warning)
        {
            logger.LogWarning("Configuration entries {Warning}", warning);
        }

        _watcher = new PluginWatcher(runtime.Plugins, logger);
        if (runtime.Config.Path is { } configPath)
        {
            // Only the resilience section applies without a restart: pipelines are rebuilt, the rest is read at start.
            _configWatcher = new ConfigWatcher(configPath, () => runtime.ReloadConfiguration(), logger);
        }

        var loaded = runtime.Plugins.Plugins.Count(p => p.Status == Plugins.PluginStatus.Loaded);
        logger.LogInformation("Kernel ready: {Loaded} plugins loaded, {Strategies} strategies registered, watching {Folder}",
            loaded, runtime.Registry.All.Count, runtime.Plugins.Folder);
        logger.LogInformation("{Pipelines} resilience pipelines configured", runtime.Resilience.Pipelines.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Dispose();
        _watcher = null;
        _configWatcher?.Dispose();
        _configWatcher = null;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _configWatcher?.Dispose();
    }
}
