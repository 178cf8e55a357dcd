using Kernel.Sdk.Messaging;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Sdk.Testing.Plugins;

/// <summary>
/// Runs a plugin's <see cref="IPlugin.Register"/> outside the kernel and returns what it registered, for a plugin's own
/// tests ("the plugin registers these strategies"). The context it hands the plugin records strategies and services; its
/// bus, resilience host and resolver are not there (a plugin that needs them at registration is tested in the kernel).
/// </summary>
public static class PluginProbe
{
    /// <summary>Registers the plugin and returns its strategies in the order it added them.</summary>
    /// <param name="plugin">The plugin.</param>
    /// <param name="pluginId">The id the context reports (the manifest's id).</param>
    public static IReadOnlyList<IStrategy> Register(IPlugin plugin, string pluginId = "probe")
    {
        ArgumentNullException.ThrowIfNull(plugin);
        var context = new Context(pluginId);
        plugin.Register(context);
        return context.Added;
    }

    private sealed class Context(string pluginId) : IPluginContext, IStrategyRegistrar
    {
        private const string Missing = "PluginProbe records strategies and services only; test a plugin that uses the bus, resilience or other plugins' strategies at registration in the kernel.";

        public List<IStrategy> Added { get; } = [];

        public string PluginId => pluginId;

        public IStrategyRegistrar Strategies => this;

        public IMessageBus Bus => throw new NotSupportedException(Missing);

        public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public IResilienceHost Resilience => throw new NotSupportedException(Missing);

        public IStrategyResolver Resolver => throw new NotSupportedException(Missing);

        public IServiceCollection Services { get; } = new ServiceCollection();

        public void Add(IStrategy strategy)
        {
            ArgumentNullException.ThrowIfNull(strategy);
            if (Added.Any(s => s.Category == strategy.Category && s.Name == strategy.Name))
            {
                throw new StrategyRegistrationException($"The plugin registers {strategy.Category}/{strategy.Name} twice.");
            }

            Added.Add(strategy);
        }
    }
}
