using Kernel.Sdk.Plugins;
using Microsoft.Extensions.Logging;

namespace MyPlugin;

/// <summary>The plugin's entry point: the kernel creates it (public, parameterless constructor) and calls <see cref="Register"/> once per load.</summary>
public sealed class PluginEntry : IPlugin
{
    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
#if (isConflict)
        var strategy = new LastWriterWins();
#elif (isCrdt)
        var strategy = new GCounterStrategy();
#elif (isResilience)
        var strategy = new ConstantRetry();
#elif (isConsensus)
        var strategy = new MiniRaftStrategy();
#else
        var strategy = new LwwGossipStrategy();
#endif
        context.Strategies.Add(strategy);
        context.LoggerFactory.CreateLogger("MyPlugin").LogInformation("Registered {Strategy}", strategy.Name);
    }
}
