using Kernel.Host.Plugins;
using Kernel.Sdk.Strategies;

namespace Kernel.Host.Configuration;

/// <summary>
/// Checks the configuration against what was discovered: every plugin and strategy it names must exist, and every
/// enabled strategy's options must pass the strategy's own validation.
/// </summary>
internal static class ConfigValidator
{
    public static IReadOnlyList<string> Validate(KernelConfig config, IReadOnlyList<PluginInfo> plugins)
    {
        var errors = new List<string>();
        var where = config.Path ?? "configuration";
        var ids = plugins.Select(p => p.Id).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        foreach (var plugin in config.Plugins.GetChildren())
        {
            if (!ids.Contains(plugin.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{where}: plugins:{plugin.Key} names no plugin found in {config.PluginsFolder}; found: {List(ids)}.");
            }
        }

        var offered = plugins.SelectMany(p => p.Strategies.Select(s => (Plugin: p, Strategy: s))).ToArray();
        var unavailable = plugins.Where(p => p.Status is not PluginStatus.Loaded).Select(p => p.Id).ToArray();
        foreach (var category in config.Strategies.GetChildren())
        {
            if (!StrategyCategories.TryParse(category.Key, out var parsed))
            {
                errors.Add($"{where}: strategies:{category.Key} is not a category; categories: {List(StrategyCategories.All.Select(c => c.ToName()))}.");
                continue;
            }

            var names = offered.Where(o => o.Strategy.Category == parsed).Select(o => o.Strategy.Name).Distinct().Order(StringComparer.Ordinal).ToArray();
            foreach (var strategy in category.GetChildren())
            {
                var match = offered.FirstOrDefault(o => o.Strategy.Category == parsed && string.Equals(o.Strategy.Name, strategy.Key, StringComparison.OrdinalIgnoreCase));
                if (match.Strategy is null)
                {
                    var note = unavailable.Length > 0 ? $" (plugins not loaded: {List(unavailable)})" : string.Empty;
                    errors.Add($"{where}: strategies:{category.Key}:{strategy.Key} names no registered strategy; {parsed.ToName()} strategies: {List(names)}{note}.");
                }
            }
        }

        return errors;
    }

    /// <summary>Validates the options of every enabled, registered strategy.</summary>
    public static IReadOnlyList<string> ValidateOptions(KernelConfig config, IStrategyRegistry registry)
    {
        var errors = new List<string>();
        var where = config.Path ?? "configuration";
        foreach (var registration in registry.All)
        {
            var strategy = registration.Strategy;
            IReadOnlyList<string> problems;
            try
            {
                problems = strategy.ValidateOptions(config.StrategyOptions(strategy.Category.ToName(), strategy.Name));
            }
            catch (Exception ex)
            {
                problems = [$"the strategy's validation threw {ex.GetType().Name}: {ex.Message}"];
            }

            errors.AddRange(problems.Select(p => $"{where}: strategies:{strategy.Category.ToName()}:{strategy.Name}:options: {p}"));
        }

        return errors;
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToArray();
        return all.Length == 0 ? "none" : string.Join(", ", all);
    }
}
