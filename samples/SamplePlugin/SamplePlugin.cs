using Kernel.Sdk.Messaging;
using Kernel.Sdk.Plugins;
using Microsoft.Extensions.Logging;

namespace SamplePlugin;

/// <summary>The plugin's entry point: the kernel creates it and calls <see cref="Register"/>.</summary>
public sealed class SamplePlugin : IPlugin
{
    /// <summary>A topic the plugin answers on: send a conflict key, get the strategy that would resolve it.</summary>
    public static readonly Topic<string> Ping = new("sample.ping");

    /// <summary>Where the plugin answers pings.</summary>
    public static readonly Topic<string> Pong = new("sample.pong");

    /// <inheritdoc />
    public void Register(IPluginContext context)
    {
        var logger = context.LoggerFactory.CreateLogger("SamplePlugin");
        context.Strategies.Add(new HighestTimestampWins());
        context.Bus.Subscribe(Ping, (message, ct) => context.Bus.PublishAsync(Pong, $"pong {message} from {context.PluginId}", ct));
        logger.LogInformation("SamplePlugin registered conflict/sample-lww");
    }
}
