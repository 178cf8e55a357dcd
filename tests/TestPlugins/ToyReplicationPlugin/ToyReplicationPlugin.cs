using Kernel.Sdk.Plugins;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

namespace ToyReplicationPlugin;

/// <summary>Registers replication/toy-lww and its broken variants.</summary>
public sealed class ToyReplicationPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        foreach (var flaw in Enum.GetValues<LwwFlaw>())
        {
            context.Strategies.Add(new ToyLwwStrategy(flaw));
        }
    }
}
