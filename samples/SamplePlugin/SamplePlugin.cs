using Kernel.Sdk.Conflict;
using Kernel.Sdk.Messaging;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
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

/// <summary>Last writer wins: the version with the highest timestamp; ties go to the greater replica id.</summary>
public sealed class HighestTimestampWins : IConflictResolutionStrategy
{
    /// <inheritdoc />
    public Kernel.Sdk.Strategies.StrategyCategory Category => Kernel.Sdk.Strategies.StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "sample-lww";

    /// <inheritdoc />
    public string Description => "Sample plugin: last writer wins by timestamp, ties broken by replica id";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        var reader = new OptionReader(options);
        reader.OneOf("tieBreak", "replica-id", "replica-id", "none");
        reader.RejectUnknown();
        return reader.Errors;
    }

    /// <inheritdoc />
    public Resolution Resolve(Conflict conflict)
    {
        var winner = conflict.Versions
            .OrderByDescending(v => v.Timestamp)
            .ThenByDescending(v => v.Replica, StringComparer.Ordinal)
            .First();
        return new Resolution(winner, $"timestamp {winner.Timestamp} from {winner.Replica} is the latest");
    }
}
