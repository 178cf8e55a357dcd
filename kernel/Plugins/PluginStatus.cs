using Kernel.Sdk.Strategies;

namespace Kernel.Host.Plugins;

/// <summary>What a user sees of a plugin.</summary>
internal enum PluginStatus
{
    Discovered,
    Loaded,
    Disabled,
    Failed,
    Incompatible,
    Unloaded,
}

/// <summary>One strategy a plugin offers, and whether configuration enables it.</summary>
internal sealed record PluginStrategyInfo(StrategyCategory Category, string Name, string Description, bool Enabled);

/// <summary>A snapshot of one plugin's state.</summary>
internal sealed record PluginInfo(
    string Id,
    string? Version,
    string? SdkRange,
    string Folder,
    PluginStatus Status,
    string? Reason,
    IReadOnlyList<PluginStrategyInfo> Strategies);
