namespace Kernel.Sdk.Strategies;

/// <summary>A registered strategy and the plugin that registered it.</summary>
/// <param name="Key">The <c>category/name</c> key.</param>
/// <param name="PluginId">The id of the plugin that registered it.</param>
/// <param name="Strategy">The strategy.</param>
public sealed record StrategyRegistration(string Key, string PluginId, IStrategy Strategy);

/// <summary>The kernel's read view of every registered strategy.</summary>
public interface IStrategyRegistry
{
    /// <summary>Every registration, ordered by key.</summary>
    IReadOnlyList<StrategyRegistration> All { get; }

    /// <summary>Looks a strategy up by <c>category/name</c>.</summary>
    bool TryGet(string key, out StrategyRegistration registration);
}
