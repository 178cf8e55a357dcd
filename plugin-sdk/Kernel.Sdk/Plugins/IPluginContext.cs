using Kernel.Sdk.Messaging;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
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
}
