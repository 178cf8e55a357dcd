using Kernel.Host.Configuration;
using Kernel.Host.Messaging;
using Kernel.Host.Plugins;
using Kernel.Host.Registry;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>The kernel's parts, put together: configuration, registry, bus and plugin manager.</summary>
internal sealed class KernelRuntime : IAsyncDisposable
{
    public KernelRuntime(KernelConfig config, ILoggerFactory loggerFactory)
    {
        Config = config;
        Registry = new StrategyRegistry();
        Bus = new MessageBus(loggerFactory.CreateLogger<MessageBus>());
        Plugins = new PluginManager(config, Registry, Bus, loggerFactory);
    }

    public KernelConfig Config { get; }

    public StrategyRegistry Registry { get; }

    public MessageBus Bus { get; }

    public PluginManager Plugins { get; }

    /// <summary>The services loaded plugins offer the host (see <see cref="PluginServices"/>).</summary>
    public PluginServices Services => Plugins.Services;

    /// <summary>A resolver of strategies by <c>category/name</c> for one of the kernel's own holders (<c>node runtime (consensus/raft)</c>).</summary>
    public StrategyResolver ResolverFor(string holder) => Plugins.ResolverFor(holder);

    /// <summary>
    /// Strategy entries of the configuration that no loaded plugin offers while some plugin is disabled (they may be its):
    /// not checked, and listed as such.
    /// </summary>
    public IReadOnlyList<string> UncheckedEntries { get; private set; } = [];

    /// <summary>The warning about <see cref="UncheckedEntries"/>, or null when there are none.</summary>
    public string? UncheckedWarning => UncheckedEntries.Count == 0
        ? null
        : $"not checked, no loaded plugin offers them (plugins not loaded: {string.Join(", ", Plugins.Plugins.Where(p => p.Status != PluginStatus.Loaded).Select(p => p.Id))}): {string.Join(", ", UncheckedEntries)}";

    /// <summary>
    /// Loads every plugin, then checks the configuration against them; throws <see cref="ConfigurationException"/> with every
    /// problem. A plugin whose option validation throws is marked failed, not the configuration.
    /// </summary>
    public void Start()
    {
        Plugins.LoadAll();
        var optionErrors = ConfigValidator.ValidateOptions(Config, Registry, out var faulty);
        foreach (var (pluginId, reason) in faulty)
        {
            Plugins.MarkFailed(pluginId, reason);
        }

        var errors = ConfigValidator.Validate(Config, Plugins.Plugins, out var @unchecked).Concat(optionErrors).ToArray();
        UncheckedEntries = @unchecked;
        if (errors.Length > 0)
        {
            throw new ConfigurationException(string.Join(Environment.NewLine, errors));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Plugins.DisposeAsync().ConfigureAwait(false);
        await Bus.DisposeAsync().ConfigureAwait(false);
    }
}
