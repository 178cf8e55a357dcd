using Kernel.Host.Plugins;
using Kernel.Host.Registry;
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
                var names = namesByCategory.TryGetValue(parsed, out var n) ? n : [];
                var registered = offered.Contains(parsed.ToName() + "/" + strategy.Key);
                if (strategy.Child("strategy") is { Value: { } of } setting)
                {
                    // A named instance: its strategy must be registered, and its name must not hide another registered strategy.
                    if (registered && !string.Equals(of, strategy.Key, StringComparison.Ordinal))
                    {
                        errors.Add($"{strategy.Origin}: strategies.{category.Key}.{strategy.Key} is the name of a registered strategy, so it cannot be an instance of {of}; give the instance a name of its own.");
                    }
                    else if (!offered.Contains(parsed.ToName() + "/" + of))
                    {
                        if (notLoaded.Length > 0)
                        {
                            skipped.Add($"{parsed.ToName()}/{strategy.Key}");
                        }
                        else
                        {
                            errors.Add($"{setting.Origin}: strategies.{category.Key}.{strategy.Key}.strategy names no registered strategy '{of}'; {parsed.ToName()} strategies: {List(names)}.");
                        }
                    }

                    continue;
                }

                if (registered)
                {
                    continue;
                }

                if (notLoaded.Length > 0)
                {
                    skipped.Add($"{parsed.ToName()}/{strategy.Key}");
                    continue;
                }

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
        var references = new SortedDictionary<string, IReadOnlyList<StrategyReference>>(StringComparer.Ordinal);
        var instances = StrategyInstances.All(config, registry);
        foreach (var instance in instances)
        {
            var registration = instance.Registration;
            var strategy = registration.Strategy;
            var category = strategy.Category.ToName();
            IReadOnlyList<string> problems;
            try
            {
                problems = strategy.ValidateOptions(instance.Options) ?? [];
                if (problems.Count == 0 && strategy is IReferencingStrategy referencing)
                {
                    references[instance.Key] = referencing.GetReferences(instance.Options) ?? [];
                }
            }
            catch (Exception ex)
            {
                faults.Add((registration.PluginId, $"ValidateOptions of {category}/{strategy.Name} threw {ex.GetType().Name}: {ex.Message}"));
                continue;
            }

            errors.AddRange(problems.Select(p =>
                (registration.PluginId, $"{config.OriginOfOptionMessage(category, instance.Name, p)}: strategies.{category}.{instance.Name}.options: {p}")));
        }

        errors.AddRange(CheckReferences(config, registry, instances, references));

        // A plugin that faulted is marked failed; its other strategies' option problems go with it.
        faulty = faults;
        return [.. errors.Where(e => !faults.Any(f => f.Item1 == e.PluginId)).Select(e => e.Message)];
    }

    /// <summary>Every reference must name an instance that exists, and no chain of references may lead back to where it started.</summary>
    private static IEnumerable<(string PluginId, string Message)> CheckReferences(
        KernelConfig config, IStrategyRegistry registry, IReadOnlyList<StrategyInstance> instances, SortedDictionary<string, IReadOnlyList<StrategyReference>> references)
    {
        var byKey = instances.ToDictionary(i => i.Key, StringComparer.Ordinal);
        foreach (var (key, refs) in references)
        {
            var from = byKey[key];
            var category = from.Registration.Strategy.Category.ToName();
            foreach (var reference in refs)
            {
                if (!byKey.ContainsKey(reference.Key))
                {
                    var message = $"option '{reference.Option}' names {reference.Key}, which does not exist; {reference.Category.ToName()} strategies and instances: {StrategyInstances.NamesIn(config, registry, reference.Category)}.";
                    yield return (from.Registration.PluginId, $"{config.OriginOfOptionMessage(category, from.Name, $"'{reference.Option}'")}: strategies.{category}.{from.Name}.options: {message}");
                }
            }
        }

        // Cycles: a depth-first walk from each referencing instance, in key order so the message is stable.
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in references.Keys)
        {
            if (FindCycle(start, [start], references) is { } cycle && reported.Add(string.Join(",", cycle.Order(StringComparer.Ordinal))))
            {
                var from = byKey[start];
                var category = from.Registration.Strategy.Category.ToName();
                yield return (from.Registration.PluginId, $"{config.OriginOfOptionMessage(category, from.Name, string.Empty)}: strategies.{category}.{from.Name}.options: reference cycle {string.Join(" -> ", cycle.Append(start))}; an instance cannot depend on itself.");
            }
        }
    }

    private static List<string>? FindCycle(string at, List<string> path, SortedDictionary<string, IReadOnlyList<StrategyReference>> references)
    {
        if (!references.TryGetValue(at, out var refs))
        {
            return null;
        }

        foreach (var next in refs.Select(r => r.Key).Distinct(StringComparer.Ordinal))
        {
            if (string.Equals(next, path[0], StringComparison.Ordinal))
            {
                return path;
            }

            if (!path.Contains(next, StringComparer.Ordinal) && FindCycle(next, [.. path, next], references) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToArray();
        return all.Length == 0 ? "none" : string.Join(", ", all);
    }
}
