using Kernel.Sdk.Messaging;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Sdk.Plugins;

/// <summary>What the kernel hands a plugin while it registers. Everything registered through it is removed when the plugin unloads.</summary>
public interface IPluginContext
{
    /// <summary>The plugin's id from its manifest.</summary>
    string PluginId { get; }

    /// <summary>Where the plugin registers its strategies.</summary>
    IStrategyRegistrar Strategies { get; }

    /// <summary>The kernel's message bus; subscriptions made here end when the plugin unloads.</summary>
    IMessageBus Bus { get; }

    /// <summary>Loggers whose output carries the plugin id.</summary>
    ILoggerFactory LoggerFactory { get; }

    /// <summary>Resilience: named predicates (removed when the plugin unloads) and the pipelines configured in <c>plugins.json</c>.</summary>
    IResilienceHost Resilience { get; }
    /// <summary>
    /// Other plugins' strategies, by <c>category/name</c>. A lease taken here holds the other plugin until disposed, or
    /// until this plugin unloads.
    /// </summary>
    IStrategyResolver Resolver { get; }

    /// <summary>
    /// Services the plugin offers the host, added during <see cref="IPlugin.Register"/>. The kernel builds them into a
    /// service provider of the plugin's own once <c>Register</c> returns (an <see cref="ILoggerFactory"/> is there for
    /// them to depend on) and disposes it when the plugin unloads: the host sees the plugin's services only while it is
    /// loaded, resolved at each use. Registering a type the host cannot see (one from the plugin's own assembly) is
    /// allowed but only reachable through a type the host shares (an SDK or framework interface).
    /// </summary>
    IServiceCollection Services { get; }
}
