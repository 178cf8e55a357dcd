using Kernel.Sdk.Plugins;

namespace CrdtPlugin;

/// <summary>Registers crdt/g-counter and crdt/or-set.</summary>
public sealed class CrdtPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Strategies.Add(new GCounterStrategy());
        context.Strategies.Add(new OrSetStrategy());
    }
}
