using Kernel.Sdk.Strategies;

namespace Kernel.Host.Registry;

/// <summary>The central registry: <c>category/name</c> to strategy. Thread-safe; changes are atomic per plugin.</summary>
internal sealed class StrategyRegistry : IStrategyRegistry
{
    private readonly object _gate = new();
    private SortedDictionary<string, StrategyRegistration> _entries = new(StringComparer.Ordinal);

    public IReadOnlyList<StrategyRegistration> All
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.ToArray();
            }
        }
    }

    public static string KeyOf(IStrategy strategy) => $"{strategy.Category.ToName()}/{strategy.Name}";

    /// <summary>Checks a strategy's name; returns an error message or null.</summary>
    public static string? ValidateName(IStrategy strategy)
    {
        if (!Enum.IsDefined(strategy.Category))
        {
            return $"strategy '{strategy.Name}' has category {(int)strategy.Category}, which is not one of {string.Join(", ", StrategyCategories.All.Select(c => c.ToName()))}";
        }

        if (!StrategyNames.IsValid(strategy.Name))
        {
            return $"strategy name '{strategy.Name}' in category {strategy.Category.ToName()} is invalid: use {StrategyNames.Rule}";
        }

        return null;
    }

    public bool TryGet(string key, out StrategyRegistration registration)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out registration!);
        }
    }

    /// <summary>Who holds a key, if anyone.</summary>
    public string? OwnerOf(string key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var r) ? r.PluginId : null;
        }
    }

    /// <summary>Adds a plugin's strategies all together, or none of them if any key is taken.</summary>
    public bool TryAddAll(string pluginId, IReadOnlyList<IStrategy> strategies, out string error)
    {
        lock (_gate)
        {
            var next = new SortedDictionary<string, StrategyRegistration>(_entries, StringComparer.Ordinal);
            foreach (var s in strategies)
            {
                var key = KeyOf(s);
                if (next.TryGetValue(key, out var existing))
                {
                    error = existing.PluginId == pluginId
                        ? $"strategy {key} is registered twice by the plugin"
                        : $"strategy {key} is already registered by plugin {existing.PluginId}";
                    return false;
                }

                next[key] = new StrategyRegistration(key, pluginId, s);
            }

            _entries = next;
            error = string.Empty;
            return true;
        }
    }

    /// <summary>Removes every strategy a plugin registered.</summary>
    public void RemovePlugin(string pluginId)
    {
        lock (_gate)
        {
            var next = new SortedDictionary<string, StrategyRegistration>(StringComparer.Ordinal);
            foreach (var (k, v) in _entries)
            {
                if (v.PluginId != pluginId)
                {
                    next[k] = v;
                }
            }

            _entries = next;
        }
    }
}
