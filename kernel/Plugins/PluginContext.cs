using Kernel.Host.Messaging;
using Kernel.Host.Registry;
using Kernel.Sdk.Messaging;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Plugins;

/// <summary>The context one plugin registers through. Registrations are collected and committed together after <c>Register</c> returns.</summary>
internal sealed class PluginContext : IPluginContext, IStrategyRegistrar, IMessageBus
{
    private readonly StrategyRegistry _registry;
    private readonly MessageBus _bus;
    private readonly List<IStrategy> _pending = [];
    private volatile bool _closed;

    public PluginContext(string pluginId, StrategyRegistry registry, MessageBus bus, ILoggerFactory loggerFactory, Resilience.PluginResilience resilience, IStrategyResolver resolver)
    {
        PluginResilience = resilience;
        PluginId = pluginId;
        _registry = registry;
        _bus = bus;
        LoggerFactory = loggerFactory;
        Resolver = resolver;
    }

    public string PluginId { get; }

    public IStrategyRegistrar Strategies => this;

    public IMessageBus Bus => this;

    public ILoggerFactory LoggerFactory { get; }

    public IResilienceHost Resilience => PluginResilience;

    /// <summary>The plugin's predicates, committed with its strategies.</summary>
    public Resilience.PluginResilience PluginResilience { get; }
    public IStrategyResolver Resolver { get; }

    public IServiceCollection Services => ServiceCollection;

    /// <summary>What the plugin added in <c>Register</c>; made read-only once it returns.</summary>
    public ServiceCollection ServiceCollection { get; } = [];

    public IReadOnlyList<IStrategy> Pending => _pending;

    /// <summary>After a failed or timed-out <c>Register</c>: whatever the plugin still tries to add or subscribe is refused.</summary>
    public void Close() => _closed = true;

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException($"plugin {PluginId} is not loaded (its Register failed or timed out)");
        }
    }

    public void Add(IStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ThrowIfClosed();
        if (StrategyRegistry.ValidateName(strategy) is { } nameError)
        {
            throw new StrategyRegistrationException(nameError);
        }

        var key = StrategyRegistry.KeyOf(strategy);
        if (_pending.Any(p => StrategyRegistry.KeyOf(p) == key))
        {
            throw new StrategyRegistrationException($"strategy {key} is registered twice by the plugin");
        }

        if (_registry.OwnerOf(key) is { } owner && owner != PluginId)
        {
            throw new StrategyRegistrationException($"strategy {key} is already registered by plugin {owner}");
        }

        _pending.Add(strategy);
    }

    public ValueTask PublishAsync<T>(Topic<T> topic, T message, CancellationToken cancellationToken = default) =>
        _bus.PublishAsync(topic, message, cancellationToken);

    public IAsyncDisposable Subscribe<T>(Topic<T> topic, Func<T, CancellationToken, ValueTask> handler, int capacity = 256)
    {
        ThrowIfClosed();
        return _bus.Subscribe(PluginId, topic, handler, capacity);
    }
}
