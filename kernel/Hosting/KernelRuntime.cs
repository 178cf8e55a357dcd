using Kernel.Host.Configuration;
using Kernel.Host.Messaging;
using Kernel.Host.Plugins;
using Kernel.Host.Registry;
using Kernel.Host.Resilience;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>The kernel's parts, put together: configuration, registry, bus, plugin manager and resilience pipelines.</summary>
internal sealed class KernelRuntime : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly object _resilienceGate = new();
    private ConfigNode _resilienceTree;
    private bool _started;

    public KernelRuntime(KernelConfig config, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        Config = config;
        _resilienceTree = config.Tree;
        _logger = loggerFactory.CreateLogger("Kernel");
        Registry = new StrategyRegistry();
        Bus = new MessageBus(loggerFactory.CreateLogger<MessageBus>());
        Resilience = new ResilienceRuntime(Registry, timeProvider ?? TimeProvider.System, loggerFactory);
        Plugins = new PluginManager(config, Registry, Bus, loggerFactory, Resilience);
        Resilience.Holds = Plugins; // a built pipeline holds the plugins of its strategies
        Plugins.Changed += OnPluginsChanged;
    }

    public KernelConfig Config { get; }

    public StrategyRegistry Registry { get; }

    public MessageBus Bus { get; }

    public PluginManager Plugins { get; }

    /// <summary>The named pipelines of the <c>resilience</c> section and the predicates they may name.</summary>
    public ResilienceRuntime Resilience { get; }
    /// <summary>The services loaded plugins offer the host (see <see cref="PluginServices"/>).</summary>
    public PluginServices Services => Plugins.Services;

    /// <summary>A resolver of strategies by <c>category/name</c> for one of the kernel's own holders (<c>node runtime (consensus/raft)</c>).</summary>
    public StrategyResolver ResolverFor(string holder) => Plugins.ResolverFor(holder);

    /// <summary>
    /// Strategy entries of the configuration that no loaded plugin offers while some plugin is disabled (they may be its):
    /// not checked, and listed as such.
    /// </summary>
    public IReadOnlyList<string> UncheckedEntries { get; private set; } = [];

    /// <summary>The warning about <see cref="UncheckedEntries"/>, or null when there are none.</summary>
    public string? UncheckedWarning => UncheckedEntries.Count == 0
        ? null
        : $"not checked, no loaded plugin offers them (plugins not loaded: {string.Join(", ", Plugins.Plugins.Where(p => p.Status != PluginStatus.Loaded).Select(p => p.Id))}): {string.Join(", ", UncheckedEntries)}";

    /// <summary>
    /// Loads every plugin, then checks the configuration against them; throws <see cref="ConfigurationException"/> with every
    /// problem. A plugin whose option validation throws is marked failed, not the configuration.
    /// </summary>
    public void Start()
    {
        Plugins.LoadAll();
        var optionErrors = ConfigValidator.ValidateOptions(Config, Registry, out var faulty);
        foreach (var (pluginId, reason) in faulty)
        {
            Plugins.MarkFailed(pluginId, reason);
        }

        var errors = ConfigValidator.Validate(Config, Plugins.Plugins, out var @unchecked).Concat(optionErrors).ToList();
        var notLoaded = SomePluginNotLoaded();
        lock (_resilienceGate)
        {
            errors.AddRange(Resilience.Apply(Config.Tree, notLoaded, log: false, out var pipelinesUnchecked));
            UncheckedEntries = [.. @unchecked, .. pipelinesUnchecked];
            _started = errors.Count == 0;
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>
    /// Reads <c>plugins.json</c> again and applies its <c>resilience</c> section (other settings take effect at the next
    /// start). A file that no longer reads or has the wrong shape changes nothing; a pipeline with problems keeps its last
    /// good build. Returns the problems, which are also logged.
    /// </summary>
    public IReadOnlyList<string> ReloadConfiguration()
    {
        KernelConfig fresh;
        try
        {
            fresh = Config.Reload();
        }
        catch (ConfigurationException ex)
        {
            _logger.LogWarning("Configuration change not applied, every resilience pipeline keeps its build:{NewLine}{Problems}", Environment.NewLine, ex.Message);
            return ex.Message.Split(Environment.NewLine);
        }

        // Plugins' state first: the manager's lock is never taken while the resilience gate is held (the other order is
        // OnPluginsChanged's).
        var notLoaded = SomePluginNotLoaded();
        lock (_resilienceGate)
        {
            _resilienceTree = fresh.Tree;
            return Resilience.Apply(_resilienceTree, notLoaded, log: true, out _);
        }
    }

    /// <summary>A plugin came or went, its strategies and predicates with it: every pipeline is checked again (under the manager's lock).</summary>
    private void OnPluginsChanged()
    {
        lock (_resilienceGate)
        {
            if (_started)
            {
                Resilience.Apply(_resilienceTree, SomePluginNotLoaded(), log: true, out _);
            }
        }
    }

    private bool SomePluginNotLoaded() => Plugins.Plugins.Any(p => p.Status is not PluginStatus.Loaded);

    public async ValueTask DisposeAsync()
    {
        lock (_resilienceGate)
        {
            // Unloading every plugin is no change to check pipelines against.
            _started = false;
        }

        await Plugins.DisposeAsync().ConfigureAwait(false);
        await Resilience.DisposeAsync().ConfigureAwait(false);
        await Bus.DisposeAsync().ConfigureAwait(false);
    }
}
