using Kernel.Host.Configuration;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Host.Registry;

/// <summary>A resolvable <c>category/name</c>: a registered strategy's own entry, or a named instance of one in <c>plugins.json</c>.</summary>
/// <param name="Key">The instance's <c>category/name</c>.</param>
/// <param name="Name">The instance's name (the entry's key).</param>
/// <param name="Registration">The registered strategy that makes it.</param>
/// <param name="Options">The entry's options (empty when none are given).</param>
internal sealed record StrategyInstance(string Key, string Name, StrategyRegistration Registration, IConfiguration Options);

/// <summary>
/// The instances the configuration and the registry define together, found by <c>category/name</c>. A strategy entry of
/// <c>plugins.json</c> is a named instance when it says <c>"strategy": "NAME"</c> (a registered strategy of the same
/// category); every enabled registered strategy is also an instance of itself, with the options of its own entry.
/// </summary>
internal static class StrategyInstances
{
    public static string KeyOf(StrategyCategory category, string name) => $"{category.ToName()}/{name}";

    /// <summary>Finds an enabled instance; null when there is none.</summary>
    public static StrategyInstance? Find(KernelConfig config, IStrategyRegistry registry, StrategyCategory category, string name)
    {
        var entry = config.StrategyEntry(category.ToName(), name);
        if (entry is not null && !config.IsStrategyEnabled(category.ToName(), name))
        {
            return null;
        }

        var strategy = config.InstanceStrategy(category.ToName(), name) ?? name;
        return registry.TryGet(KeyOf(category, strategy), out var registration)
            ? new StrategyInstance(KeyOf(category, name), name, registration, config.StrategyOptions(category.ToName(), name))
            : null;
    }

    /// <summary>Every enabled instance: registered strategies, then named instances whose strategy is registered, by key.</summary>
    public static IReadOnlyList<StrategyInstance> All(KernelConfig config, IStrategyRegistry registry)
    {
        var found = new SortedDictionary<string, StrategyInstance>(StringComparer.Ordinal);
        foreach (var registration in registry.All)
        {
            if (Find(config, registry, registration.Strategy.Category, registration.Strategy.Name) is { } own)
            {
                found[own.Key] = own;
            }
        }

        foreach (var category in config.StrategyCategoryEntries)
        {
            if (!StrategyCategories.TryParse(category.Key, out var parsed))
            {
                continue;
            }

            foreach (var entry in category.Children)
            {
                if (config.InstanceStrategy(parsed.ToName(), entry.Key) is not null && Find(config, registry, parsed, entry.Key) is { } named)
                {
                    found[named.Key] = named;
                }
            }
        }

        return [.. found.Values];
    }

    /// <summary>The names of a category's instances, for messages: <c>a, b, c</c>, or <c>none</c>.</summary>
    public static string NamesIn(KernelConfig config, IStrategyRegistry registry, StrategyCategory category)
    {
        var names = All(config, registry).Where(i => i.Registration.Strategy.Category == category).Select(i => i.Name).ToArray();
        return names.Length == 0 ? "none" : string.Join(", ", names);
    }
}
