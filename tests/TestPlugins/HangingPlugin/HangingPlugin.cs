using Kernel.Sdk.Plugins;

namespace HangingPlugin;

/// <summary>A plugin whose Register never returns (until the test process ends), after subscribing to the bus.</summary>
public sealed class HangingPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Bus.Subscribe(new Kernel.Sdk.Messaging.Topic<string>("hanging.topic"), (_, _) => ValueTask.CompletedTask);
        Thread.Sleep(Timeout.Infinite);
    }
}
