using Kernel.Host.Plugins;
using Kernel.Sdk.Strategies;

namespace Kernel.Host.Configuration;

/// <summary>
/// Checks the configuration against what was discovered: every plugin and strategy it names must exist, and every
/// enabled strategy's options must pass the strategy's own validation. Each message starts with where the entry came from.
/// </summary>
internal static class ConfigValidator
{
    /// <summary>
    /// Problems with the plugins and strategies the configuration names. Strategy entries that no loaded plugin offers while
    /// some plugin is not loaded (disabled, failed, incompatible) are not errors, since they may be that plugin's and the
    /// kernel goes on without it: they are returned in <paramref name="unchecked"/> as <c>category/name</c>.
    /// </summary>
    public static IReadOnlyList<string> Validate(KernelConfig config, IReadOnlyList<PluginInfo> plugins, out IReadOnlyList<string> @unchecked)
    {
        var errors = new List<string>();
        var skipped = new List<string>();
        var ids = new HashSet<string>(plugins.Select(p => p.Id), StringComparer.OrdinalIgnoreCase);
        string? found = null;
        foreach (var plugin in config.PluginEntries)
        {
            if (!ids.Contains(plugin.Key))
            {
                found ??= List(ids.Order(StringComparer.OrdinalIgnoreCase));
                errors.Add($"{plugin.Origin}: plugins.{plugin.Key} names no plugin found in {config.PluginsFolder}; found: {found}.");
            }
        }

        var offered = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var namesByCategory = new Dictionary<StrategyCategory, SortedSet<string>>();
        foreach (var p in plugins)
        {
            foreach (var s in p.Strategies)
            {
                offered.Add(s.Category.ToName() + "/" + s.Name);
                if (!namesByCategory.TryGetValue(s.Category, out var names))
                {
                    namesByCategory[s.Category] = names = new SortedSet<string>(StringComparer.Ordinal);
                }

                names.Add(s.Name);
            }
        }

        var notLoaded = plugins.Where(p => p.Status is not PluginStatus.Loaded).Select(p => p.Id).ToArray();
        foreach (var category in config.StrategyCategoryEntries)
        {
            if (!StrategyCategories.TryParse(category.Key, out var parsed))
            {
                errors.Add($"{category.Origin}: strategies.{category.Key} is not a category; categories: {List(StrategyCategories.All.Select(c => c.ToName()))}.");
                continue;
            }

            foreach (var strategy in category.Children)
            {
                if (offered.Contains(parsed.ToName() + "/" + strategy.Key))
                {
                    continue;
                }

                if (notLoaded.Length > 0)
                {
                    skipped.Add($"{parsed.ToName()}/{strategy.Key}");
                    continue;
                }

                var names = namesByCategory.TryGetValue(parsed, out var n) ? n : [];
                errors.Add($"{strategy.Origin}: strategies.{category.Key}.{strategy.Key} names no registered strategy; {parsed.ToName()} strategies: {List(names)}.");
            }
        }

        @unchecked = skipped;
        return errors;
    }

    /// <summary>
    /// Validates the options of every enabled, registered strategy. A validation that throws is the plugin's fault, not the
    /// configuration's: it is returned in <paramref name="faulty"/> (plugin id, reason) for the caller to mark the plugin failed.
    /// </summary>
    public static IReadOnlyList<string> ValidateOptions(KernelConfig config, IStrategyRegistry registry, out IReadOnlyList<(string PluginId, string Reason)> faulty)
    {
        var errors = new List<(string PluginId, string Message)>();
        var faults = new List<(string, string)>();
        foreach (var registration in registry.All)
        {
            var strategy = registration.Strategy;
            var category = strategy.Category.ToName();
            IReadOnlyList<string> problems;
            try
            {
                problems = strategy.ValidateOptions(config.StrategyOptions(category, strategy.Name)) ?? [];
            }
            catch (Exception ex)
            {
                faults.Add((registration.PluginId, $"ValidateOptions of {category}/{strategy.Name} threw {ex.GetType().Name}: {ex.Message}"));
                continue;
            }

            errors.AddRange(problems.Select(p =>
                (registration.PluginId, $"{config.OriginOfOptionMessage(category, strategy.Name, p)}: strategies.{category}.{strategy.Name}.options: {p}")));
        }

        // A plugin that faulted is marked failed; its other strategies' option problems go with it.
        faulty = faults;
        return [.. errors.Where(e => !faults.Any(f => f.Item1 == e.PluginId)).Select(e => e.Message)];
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToArray();
        return all.Length == 0 ? "none" : string.Join(", ", all);
    }
}
