using Kernel.Sdk.Plugins;

namespace ThrowingPlugin;

/// <summary>A plugin whose Register throws, after it has subscribed to the bus (which the kernel must undo).</summary>
public sealed class ThrowingPlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Bus.Subscribe(new Kernel.Sdk.Messaging.Topic<string>("throwing.topic"), (_, _) => ValueTask.CompletedTask);
        throw new InvalidOperationException("the throwing plugin refuses to register");
    }
}
