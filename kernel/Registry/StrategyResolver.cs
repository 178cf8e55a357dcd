using Kernel.Host.Configuration;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;

namespace Kernel.Host.Registry;

/// <summary>Where a resolver takes holds on the plugins whose strategies it makes instances of.</summary>
internal interface IPluginHolds
{
    /// <summary>Holds a loaded plugin for <paramref name="holder"/>; throws <see cref="InvalidOperationException"/> when it is not loaded.</summary>
    IDisposable Hold(string pluginId, string holder, string? owner);
}

/// <summary>
/// Makes instances of strategies by <c>category/name</c> for one holder (a plugin, a node runtime, an instance being
/// made). Each instance holds its plugin; what the instance's factory resolves in turn is held for that instance and
/// released with it, so the leases form a tree. Every lease this resolver handed out can be released at once (a plugin's
/// own leases when it unloads).
/// </summary>
internal sealed class StrategyResolver : IStrategyResolver
{
    private readonly KernelConfig _config;
    private readonly IStrategyRegistry _registry;
    private readonly IPluginHolds _holds;
    private readonly string _holder;
    private readonly string? _owner;
    private readonly IReadOnlyList<string> _chain;
    private readonly List<IDisposable> _leases = [];
    private readonly object _gate = new();

    public StrategyResolver(KernelConfig config, IStrategyRegistry registry, IPluginHolds holds, string holder, string? owner = null)
        : this(config, registry, holds, holder, owner, [])
    {
    }

    private StrategyResolver(KernelConfig config, IStrategyRegistry registry, IPluginHolds holds, string holder, string? owner, IReadOnlyList<string> chain)
    {
        _config = config;
        _registry = registry;
        _holds = holds;
        _holder = holder;
        _owner = owner;
        _chain = chain;
    }

    public StrategyLease<IConflictResolver> GetConflictResolver(string reference) =>
        Resolve(StrategyCategory.Conflict, reference, (s, c) => ((IConflictResolutionStrategy)s).Create(c));

    public StrategyLease<ICrdtType> GetCrdtType(string reference) =>
        Resolve(StrategyCategory.Crdt, reference, (s, c) => ((ICrdtStrategy)s).Create(c));

    /// <summary>Releases every lease handed out and not yet released.</summary>
    public void ReleaseAll()
    {
        IDisposable[] leases;
        lock (_gate)
        {
            leases = [.. _leases];
            _leases.Clear();
        }

        foreach (var lease in leases.Reverse())
        {
            lease.Dispose();
        }
    }

    private StrategyLease<T> Resolve<T>(StrategyCategory category, string reference, Func<IStrategy, StrategyInstanceContext, T?> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(reference);
        var parsed = StrategyNames.Parse(reference, category);
        if (parsed is null || parsed.Value.Category != category)
        {
            throw new StrategyResolutionException($"'{reference}' is not a {category.ToName()} reference; write {category.ToName()}/NAME (names use {StrategyNames.Rule}).");
        }

        var key = StrategyInstances.KeyOf(category, parsed.Value.Name);
        var instance = StrategyInstances.Find(_config, _registry, category, parsed.Value.Name)
            ?? throw new StrategyResolutionException($"{key} names no strategy or instance; {category.ToName()} strategies and instances: {StrategyInstances.NamesIn(_config, _registry, category)}.");
        if (_chain.Contains(key, StringComparer.Ordinal))
        {
            throw new StrategyResolutionException($"reference cycle: {string.Join(" -> ", _chain.Append(key))}.");
        }

        var strategy = instance.Registration.Strategy;
        IReadOnlyList<string> problems;
        try
        {
            problems = strategy.ValidateOptions(instance.Options) ?? [];
        }
        catch (Exception ex)
        {
            throw new StrategyResolutionException($"cannot make {key}: ValidateOptions of {instance.Registration.Key} threw {ex.GetType().Name}: {ex.Message}", ex);
        }

        if (problems.Count > 0)
        {
            throw new StrategyResolutionException($"cannot make {key}: its options are invalid: {string.Join(" ", problems)}");
        }

        IDisposable hold;
        try
        {
            hold = _holds.Hold(instance.Registration.PluginId, _holder, _owner);
        }
        catch (InvalidOperationException ex)
        {
            throw new StrategyResolutionException($"cannot make {key}: {ex.Message}", ex);
        }

        // The owner carries down: what a plugin's own lease makes in turn is still on that plugin's behalf.
        var inner = new StrategyResolver(_config, _registry, _holds, $"{key} (plugin {instance.Registration.PluginId})", _owner, [.. _chain, key]);
        T? value;
        try
        {
            value = create(strategy, new StrategyInstanceContext { Name = instance.Name, Options = instance.Options, Strategies = inner });
        }
        catch (Exception ex)
        {
            inner.ReleaseAll();
            hold.Dispose();
            if (ex is StrategyResolutionException)
            {
                throw;
            }

            throw new StrategyResolutionException($"cannot make {key}: {instance.Registration.Key}'s Create threw {ex.GetType().Name}: {ex.Message}", ex);
        }

        if (value is null)
        {
            inner.ReleaseAll();
            hold.Dispose();
            throw new StrategyResolutionException($"cannot make {key}: {instance.Registration.Key}'s Create returned null.");
        }

        StrategyLease<T>? lease = null;
        lease = new StrategyLease<T>(value, key, instance.Registration.PluginId, () =>
        {
            lock (_gate)
            {
                _leases.Remove(lease!);
            }

            inner.ReleaseAll();
            hold.Dispose();
        });
        lock (_gate)
        {
            _leases.Add(lease);
        }

        return lease;
    }
}
