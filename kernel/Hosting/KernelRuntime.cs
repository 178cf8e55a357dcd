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

    /// <summary>Loads every plugin, then checks the configuration against them; throws <see cref="ConfigurationException"/> with every problem.</summary>
    public void Start()
    {
        Plugins.LoadAll();
        var errors = ConfigValidator.Validate(Config, Plugins.Plugins).Concat(ConfigValidator.ValidateOptions(Config, Registry)).ToArray();
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
