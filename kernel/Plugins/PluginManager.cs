using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using Kernel.Host.Configuration;
using Kernel.Host.Messaging;
using Kernel.Host.Registry;
using Kernel.Sdk;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Records;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Polly;

namespace Kernel.Host.Plugins;

/// <summary>
/// Discovers plugin folders, loads each enabled, compatible plugin in its own collectible load context, registers its
/// strategies, and unloads or reloads it on demand. A plugin that fails at any step is marked and skipped; the rest go on.
/// </summary>
/// <remarks>
/// Every load, unload and reload runs alone (an async gate, never a blocking lock); state is read and changed under a
/// short lock that is never held across a wait. A plugin whose strategies are in use (<see cref="Hold"/>: a running
/// node, a built pipeline, a resolver another plugin's strategy holds) is not unloaded: unload says what holds it.
/// </remarks>
internal sealed class PluginManager : IAsyncDisposable, IPluginHolds
{
    /// <summary>Types whose assemblies every plugin shares with the host (the contract and the abstractions it uses).</summary>
    internal static readonly Type[] SharedTypes =
    [
        typeof(IPlugin),
        typeof(ILogger),
        typeof(ILoggerFactory),
        typeof(IServiceCollection),
        typeof(IConfiguration),
        typeof(Microsoft.Extensions.Primitives.IChangeToken),
        typeof(ResiliencePipelineBuilder),
        typeof(RecordLog), // the storage library (WAL, record log, codecs), shared like the SDK
    ];

    private readonly object _gate = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly StrategyRegistry _registry;
    private readonly MessageBus _bus;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    private readonly Resilience.ResilienceRuntime _resilience;

    public PluginManager(KernelConfig config, StrategyRegistry registry, MessageBus bus, ILoggerFactory loggerFactory, Resilience.ResilienceRuntime resilience)
    {
        _resilience = resilience;
        Config = config;
        _registry = registry;
        _bus = bus;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Kernel.Plugins");
        Services = new PluginServices(this);
    }

    /// <summary>Raised (outside any lock) when the last hold on a plugin is released, with the plugin's id.</summary>
    public event Action<string>? Released;

    /// <summary>The services loaded plugins offer the host, resolved at each call (see <see cref="PluginServices"/>).</summary>
    public PluginServices Services { get; }

    public KernelConfig Config { get; }

    public string Folder => Config.PluginsFolder;

    public StrategyRegistry Registry => _registry;

    /// <summary>Raised (under the manager's lock) after a plugin loaded, reloaded, unloaded or was marked failed.</summary>
    public event Action? Changed;

    /// <summary>Every plugin known, ordered by id.</summary>
    public IReadOnlyList<PluginInfo> Plugins
    {
        get
        {
            lock (_gate)
            {
                return _slots.Values.Select(s => s.Info).OrderBy(p => p.Id, StringComparer.OrdinalIgnoreCase).ToArray();
            }
        }
    }

    /// <summary>Discovers and loads every plugin folder.</summary>
    public void LoadAll() => LoadAllAsync().GetAwaiter().GetResult();

    /// <summary>Discovers and loads every plugin folder.</summary>
    public async Task LoadAllAsync()
    {
        if (!Directory.Exists(Folder))
        {
            _logger.LogWarning("Plugins folder {Folder} does not exist; no plugins loaded", Folder);
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(Folder).Order(StringComparer.Ordinal))
        {
            await LoadFolderAsync(dir).ConfigureAwait(false);
        }
    }

    /// <summary>Loads (or reloads) the plugin in one folder.</summary>
    public PluginInfo LoadFolder(string dir) => LoadFolderAsync(dir).GetAwaiter().GetResult();

    /// <summary>
    /// Loads (or reloads) the plugin in one folder. A loaded plugin that is in use is not reloaded: its info comes back
    /// unchanged and the reason is logged (hot reload defers it until it is released).
    /// </summary>
    public async Task<PluginInfo> LoadFolderAsync(string dir)
    {
        dir = Path.GetFullPath(dir);
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            Slot? existing;
            lock (_gate)
            {
                existing = _slots.Values.FirstOrDefault(s => string.Equals(s.Info.Folder, dir, StringComparison.Ordinal));
                if (existing is not null && InUseLocked(existing) is { } holders)
                {
                    _logger.LogWarning("Plugin {Id} is not reloaded: {Reason}", existing.Info.Id, holders);
                    return existing.Info;
                }

                if (existing is not null)
                {
                    existing.Closing = true;
                }
            }

            if (existing is not null)
            {
                await DetachAsync(existing, PluginStatus.Unloaded).ConfigureAwait(false);
                lock (_gate)
                {
                    _slots.Remove(existing.Info.Id);
                }
            }

            var slot = await LoadAsync(dir).ConfigureAwait(false);
            lock (_gate)
            {
                _slots[slot.Info.Status == PluginStatus.Failed && _slots.ContainsKey(slot.Info.Id) ? $"{slot.Info.Id}@{dir}" : slot.Info.Id] = slot;
            }

            LogOutcome(slot.Info);
            Changed?.Invoke();
            return slot.Info;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Unloads a plugin; false when it is not loaded or is in use (see <see cref="UnloadAsync"/> for why).</summary>
    public bool Unload(string id) => UnloadAsync(id).GetAwaiter().GetResult() is null;

    /// <summary>
    /// Unloads a plugin: its strategies leave the registry, its bus subscriptions end, its services are disposed, the
    /// leases it took are released, its load context is released. Returns null when done, else why not:
    /// <c>ID is not loaded</c>, or <c>ID is in use by: HOLDER, ...</c>.
    /// </summary>
    public async Task<string?> UnloadAsync(string id)
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            Slot? slot;
            lock (_gate)
            {
                if (!_slots.TryGetValue(id, out slot) || slot.Info.Status != PluginStatus.Loaded)
                {
                    return $"{id} is not loaded";
                }

                if (InUseLocked(slot) is { } holders)
                {
                    _logger.LogWarning("Plugin {Id} is not unloaded: {Reason}", id, holders);
                    return holders;
                }

                slot.Closing = true;
            }

            await DetachAsync(slot, PluginStatus.Unloaded).ConfigureAwait(false);
            _logger.LogInformation("Plugin {Id} unloaded", id);
            Changed?.Invoke();
            return null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Unloads and loads a plugin again from its folder.</summary>
    public PluginInfo? Reload(string id)
    {
        string? folder;
        lock (_gate)
        {
            folder = _slots.TryGetValue(id, out var slot) ? slot.Info.Folder : null;
        }

        return folder is null ? null : LoadFolder(folder);
    }

    /// <summary>
    /// Holds a loaded plugin for <paramref name="holder"/> (say <c>node runtime (consensus/raft)</c>) until the returned
    /// handle is disposed: meanwhile the plugin is neither unloaded nor reloaded. Throws <see cref="InvalidOperationException"/>
    /// when the plugin is not loaded or is unloading. For the node runtime, resilience pipelines and leases.
    /// </summary>
    public IDisposable Hold(string pluginId, string holder) => Hold(pluginId, holder, null);

    /// <inheritdoc cref="Hold(string, string)"/>
    /// <param name="pluginId">The plugin to hold.</param>
    /// <param name="holder">Who holds it, for messages.</param>
    /// <param name="owner">The plugin on whose behalf the hold is taken (its own leases), or null: a plugin's holds on itself do not keep it from unloading.</param>
    public IDisposable Hold(string pluginId, string holder, string? owner)
    {
        ArgumentNullException.ThrowIfNull(holder);
        lock (_gate)
        {
            if (!_slots.TryGetValue(pluginId, out var slot) || slot.Info.Status != PluginStatus.Loaded || slot.Closing)
            {
                throw new InvalidOperationException($"plugin {pluginId} is not loaded");
            }

            var hold = new PluginHold(this, slot, holder, owner);
            slot.Holds.Add(hold);
            return hold;
        }
    }

    /// <summary>Who holds a plugin (<c>ID is in use by: ...</c>), or null when nothing does.</summary>
    public string? InUse(string id)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(id, out var slot) ? InUseLocked(slot) : null;
        }
    }

    /// <summary>A resolver of strategies by reference for a holder of the kernel's own (a node runtime, a pipeline, a test).</summary>
    public StrategyResolver ResolverFor(string holder) => new(Config, _registry, this, holder);

    /// <summary>The service providers of the loaded plugins, ordered by plugin id.</summary>
    internal IReadOnlyList<IServiceProvider> ServiceProviders()
    {
        lock (_gate)
        {
            return _slots.Values
                .Where(s => s.Info.Status == PluginStatus.Loaded && !s.Closing && s.Services is not null)
                .OrderBy(s => s.Info.Id, StringComparer.OrdinalIgnoreCase)
                .Select(s => (IServiceProvider)s.Services!)
                .ToArray();
        }
    }

    private static string? InUseLocked(Slot slot)
    {
        var holders = slot.Holds.Where(h => !string.Equals(h.Owner, slot.Info.Id, StringComparison.OrdinalIgnoreCase)).Select(h => h.Holder).ToArray();
        return holders.Length == 0 ? null : $"{slot.Info.Id} is in use by: {string.Join(", ", holders)}";
    }

    private void Release(PluginHold hold)
    {
        bool free;
        lock (_gate)
        {
            if (!hold.Slot.Holds.Remove(hold))
            {
                return;
            }

            free = InUseLocked(hold.Slot) is null;
        }

        if (free)
        {
            Released?.Invoke(hold.Slot.Info.Id);
        }
    }

    /// <summary>A weak reference to a loaded plugin's load context, for tests that prove it is collected after unload.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference? LoadContextOf(string id)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(id, out var slot) && slot.Loader is not null
                ? new WeakReference(AssemblyLoadContext.GetLoadContext(slot.Loader.LoadDefaultAssembly()))
                : null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await DetachAllAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task DetachAllAsync()
    {
        string[] ids;
        lock (_gate)
        {
            ids = _slots.Keys.ToArray();
        }

        // At shutdown nothing runs any more: every plugin goes, held or not.
        foreach (var id in ids)
        {
            Slot? slot;
            lock (_gate)
            {
                if (!_slots.TryGetValue(id, out slot) || slot.Info.Status != PluginStatus.Loaded)
                {
                    continue;
                }

                slot.Closing = true;
            }

            await DetachAsync(slot, PluginStatus.Unloaded).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes a closing plugin apart: registry entries, the leases it took, bus subscriptions, services, load context.
    /// The caller has set <see cref="Slot.Closing"/> under the lock; nothing here holds it while waiting.
    /// </summary>
    private async Task DetachAsync(Slot slot, PluginStatus status)
    {
        _registry.RemovePlugin(slot.Info.Id);
        _resilience.Predicates.RemovePlugin(slot.Info.Id);
        slot.Resolver?.ReleaseAll();
        await _bus.RemoveOwnerAsync(slot.Info.Id).ConfigureAwait(false);
        if (slot.Services is { } services)
        {
            slot.Services = null;
            await services.DisposeAsync().ConfigureAwait(false);
        }

        lock (_gate)
        {
            slot.Holds.Clear();
            slot.Resolver = null;
            slot.Loader?.Dispose();
            slot.Loader = null;
            if (slot.Info.Status == PluginStatus.Loaded)
            {
                slot.Info = slot.Info with { Status = status, Reason = status == PluginStatus.Unloaded ? "unloaded on request" : slot.Info.Reason };
            }

            slot.Closing = false;
        }
    }

    private void LogOutcome(PluginInfo info)
    {
        switch (info.Status)
        {
            case PluginStatus.Loaded:
                _logger.LogInformation("Plugin {Id} {Version} loaded with {Count} strategies", info.Id, info.Version, info.Strategies.Count);
                break;
            case PluginStatus.Disabled:
                _logger.LogInformation("Plugin {Id} is disabled in the configuration", info.Id);
                break;
            default:
                _logger.LogWarning("Plugin {Id} {Status}: {Reason}", info.Id, info.Status.ToString().ToLowerInvariant(), info.Reason);
                break;
        }
    }

    private async Task<Slot> LoadAsync(string dir)
    {
        var folderName = Path.GetFileName(dir);
        var manifestPath = Path.Combine(dir, PluginManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return Fail(dir, folderName, $"missing manifest: {manifestPath} not found (a plugin folder needs {PluginManifest.FileName} with id, version, entryAssembly, sdkVersion)", null);
        }

        if (!PluginManifest.TryRead(manifestPath, out var manifest, out var manifestError))
        {
            return Fail(dir, folderName, manifestError, null);
        }

        Slot? holder;
        lock (_gate)
        {
            _slots.TryGetValue(manifest.Id, out holder);
        }

        if (holder is not null && holder.Info.Folder != dir)
        {
            return Fail(dir, manifest.Id, $"plugin id {manifest.Id} is already used by the plugin in {holder.Info.Folder}", manifest);
        }

        if (!Config.IsPluginEnabled(manifest.Id))
        {
            return new Slot(new PluginInfo(manifest.Id, manifest.Version, manifest.SdkRange.Text, dir, PluginStatus.Disabled, "disabled in configuration", []), manifest);
        }

        if (!manifest.SdkRange.Contains(SdkVersion.Current))
        {
            return new Slot(
                new PluginInfo(manifest.Id, manifest.Version, manifest.SdkRange.Text, dir, PluginStatus.Incompatible,
                    $"needs Kernel.Sdk {manifest.SdkRange.Text}; this kernel has {SdkVersion.Current}", []),
                manifest);
        }

        var entryPath = Path.Combine(dir, manifest.EntryAssembly);
        if (!File.Exists(entryPath))
        {
            return Fail(dir, manifest.Id, $"entry assembly {manifest.EntryAssembly} not found in {dir}", manifest);
        }

        if (OutsideFolder(dir, entryPath) is { } outside)
        {
            return Fail(dir, manifest.Id, $"entry assembly {manifest.EntryAssembly} is a link to {outside}, outside the plugin folder {dir}; a plugin's entry assembly must be inside its folder", manifest);
        }

        if (manifest.Sha256 is { } expected)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entryPath)));
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                return Fail(dir, manifest.Id, $"SHA-256 mismatch for {manifest.EntryAssembly}: manifest says {expected}, file has {actual}", manifest);
            }
        }

        PluginLoader? loader = null;
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(entryPath, isUnloadable: true, sharedTypes: SharedTypes, configure: c =>
            {
                c.LoadInMemory = true; // the folder's files stay free for hot reload
                // Only the contract is shared; everything else, even a library the host also has, comes from the plugin's folder.
                c.PreferSharedTypes = false;
            });

            Assembly assembly;
            try
            {
                assembly = loader.LoadDefaultAssembly();
            }
            catch (BadImageFormatException ex)
            {
                return Fail(dir, manifest.Id, $"entry assembly {manifest.EntryAssembly} is not a valid .NET assembly: {ex.Message}", manifest, loader);
            }

            var entryTypes = ExportedTypes(assembly)
                .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IPlugin).IsAssignableFrom(t))
                .ToArray();
            if (entryTypes.Length != 1)
            {
                var why = entryTypes.Length == 0
                    ? $"entry assembly {manifest.EntryAssembly} has no public class implementing {typeof(IPlugin).FullName}"
                    : $"entry assembly {manifest.EntryAssembly} has {entryTypes.Length} classes implementing IPlugin ({string.Join(", ", entryTypes.Select(t => t.FullName))}); it must have exactly one";
                return Fail(dir, manifest.Id, why, manifest, loader);
            }

            var resolver = new StrategyResolver(Config, _registry, this, $"plugin {manifest.Id}", manifest.Id);
            var context = new PluginContext(manifest.Id, _registry, _bus, _loggerFactory, _resilience.HostFor(manifest.Id), resolver);
            if (await RegisterAsync(entryTypes[0], context).ConfigureAwait(false) is { } registerError)
            {
                context.Close();
                resolver.ReleaseAll();
                await _bus.RemoveOwnerAsync(manifest.Id).ConfigureAwait(false);
                return Fail(dir, manifest.Id, registerError, manifest, loader);
            }

            context.ServiceCollection.MakeReadOnly();
            ServiceProvider? services = null;
            if (context.ServiceCollection.Count > 0)
            {
                var collection = new ServiceCollection { context.ServiceCollection };
                collection.TryAddSingleton(_loggerFactory);
                try
                {
                    services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
                }
                catch (Exception ex) when (ex is AggregateException or InvalidOperationException or ArgumentException)
                {
                    resolver.ReleaseAll();
                    await _bus.RemoveOwnerAsync(manifest.Id).ConfigureAwait(false);
                    return Fail(dir, manifest.Id, $"the services it adds cannot be built: {ex.Message}", manifest, loader);
                }
            }

            var strategies = context.Pending
                .Select(s => new PluginStrategyInfo(s.Category, s.Name, s.Description, Config.IsStrategyEnabled(s.Category.ToName(), s.Name)))
                .ToArray();
            var enabled = context.Pending.Where((_, i) => strategies[i].Enabled).ToArray();
            if (!_registry.TryAddAll(manifest.Id, enabled, out var clash))
            {
                resolver.ReleaseAll();
                await _bus.RemoveOwnerAsync(manifest.Id).ConfigureAwait(false);
                if (services is not null)
                {
                    await services.DisposeAsync().ConfigureAwait(false);
                }

                return Fail(dir, manifest.Id, clash, manifest, loader);
            }

            context.PluginResilience.Commit();

            var info = new PluginInfo(manifest.Id, manifest.Version, manifest.SdkRange.Text, dir, PluginStatus.Loaded, null, strategies);
            return new Slot(info, manifest) { Loader = loader, Resolver = resolver, Services = services };
        }
        catch (Exception ex) when (ex is FileLoadException or FileNotFoundException or BadImageFormatException or ReflectionTypeLoadException or IOException or InvalidOperationException or TypeLoadException or MissingMethodException)
        {
            return Fail(dir, manifest.Id, $"cannot load {manifest.EntryAssembly}: {ex.GetType().Name}: {ex.Message}", manifest, loader);
        }
    }

    /// <summary>
    /// Runs the plugin's constructor and <c>Register</c> on a thread of its own, waiting at most the configured time; returns
    /// why the plugin failed, or null. A <c>Register</c> that does not return in time cannot be stopped (no thread can be
    /// aborted in .NET): its thread is left running, its context is closed so that nothing it registers later counts.
    /// </summary>
    private async Task<string?> RegisterAsync(Type entryType, PluginContext context)
    {
        var task = Task.Factory.StartNew(
            () => ((IPlugin)Activator.CreateInstance(entryType)!).Register(context),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            await task.WaitAsync(Config.RegisterTimeout).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            // Falls through: the plugin is marked failed below.
        }
        catch (Exception ex)
        {
            var inner = ex is TargetInvocationException { InnerException: { } i } ? i : ex;
            return $"Register threw {inner.GetType().Name}: {inner.Message}";
        }

        _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var seconds = Config.RegisterTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return $"Register did not return within {seconds} s (registerTimeoutSeconds in the configuration); its thread is left running";
    }

    /// <summary>Where the entry assembly really is when it is a link that leads outside the plugin's folder; else null.</summary>
    private static string? OutsideFolder(string dir, string entryPath)
    {
        var target = File.ResolveLinkTarget(entryPath, returnFinalTarget: true);
        if (target is null)
        {
            return null;
        }

        var real = Path.GetFullPath(target.FullName);
        var roots = new List<string> { dir };
        if (Directory.ResolveLinkTarget(dir, returnFinalTarget: true) is { } realDir)
        {
            roots.Add(Path.GetFullPath(realDir.FullName));
        }

        return roots.Any(r => real.StartsWith(Path.TrimEndingDirectorySeparator(r) + Path.DirectorySeparatorChar, StringComparison.Ordinal)) ? null : real;
    }

    /// <summary>Marks a loaded plugin failed (say its option validation threw): its strategies and subscriptions go.</summary>
    public void MarkFailed(string id, string reason) => MarkFailedAsync(id, reason).GetAwaiter().GetResult();

    /// <summary>Marks a loaded plugin failed (say its option validation threw): its strategies and subscriptions go.</summary>
    public async Task MarkFailedAsync(string id, string reason)
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            Slot? slot;
            lock (_gate)
            {
                if (!_slots.TryGetValue(id, out slot) || slot.Info.Status != PluginStatus.Loaded)
                {
                    return;
                }

                slot.Closing = true;
            }

            await DetachAsync(slot, PluginStatus.Failed).ConfigureAwait(false);
            lock (_gate)
            {
                slot.Info = slot.Info with { Status = PluginStatus.Failed, Reason = reason, Strategies = [] };
            }

            _logger.LogWarning("Plugin {Id} failed: {Reason}", id, reason);
            Changed?.Invoke();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private static IEnumerable<Type> ExportedTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>().Where(t => t.IsPublic);
        }
    }

    private static Slot Fail(string dir, string id, string reason, PluginManifest? manifest, PluginLoader? loader = null)
    {
        loader?.Dispose();
        return new Slot(new PluginInfo(id, manifest?.Version, manifest?.SdkRange.Text, dir, PluginStatus.Failed, reason, []), manifest);
    }

    private sealed class Slot(PluginInfo info, PluginManifest? manifest)
    {
        public PluginInfo Info { get; set; } = info;

        public PluginManifest? Manifest { get; } = manifest;

        public PluginLoader? Loader { get; set; }

        /// <summary>The resolver the plugin's context hands out leases from; they are released when it unloads.</summary>
        public StrategyResolver? Resolver { get; set; }

        /// <summary>The provider of the services the plugin added, or null when it added none.</summary>
        public ServiceProvider? Services { get; set; }

        /// <summary>Who holds the plugin (changed under the manager's lock).</summary>
        public List<PluginHold> Holds { get; } = [];

        /// <summary>Set while the plugin is being taken apart: no new hold is granted.</summary>
        public bool Closing { get; set; }
    }

    private sealed class PluginHold(PluginManager manager, Slot slot, string holder, string? owner) : IDisposable
    {
        private int _released;

        public Slot Slot { get; } = slot;

        public string Holder { get; } = holder;

        public string? Owner { get; } = owner;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                manager.Release(this);
            }
        }
    }
}
