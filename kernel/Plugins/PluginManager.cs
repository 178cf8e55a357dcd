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
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;

namespace Kernel.Host.Plugins;

/// <summary>
/// Discovers plugin folders, loads each enabled, compatible plugin in its own collectible load context, registers its
/// strategies, and unloads or reloads it on demand. A plugin that fails at any step is marked and skipped; the rest go on.
/// </summary>
internal sealed class PluginManager : IAsyncDisposable
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
    ];

    private readonly object _gate = new();
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
    }

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
    public void LoadAll()
    {
        if (!Directory.Exists(Folder))
        {
            _logger.LogWarning("Plugins folder {Folder} does not exist; no plugins loaded", Folder);
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(Folder).Order(StringComparer.Ordinal))
        {
            LoadFolder(dir);
        }
    }

    /// <summary>Loads (or reloads) the plugin in one folder.</summary>
    public PluginInfo LoadFolder(string dir)
    {
        dir = Path.GetFullPath(dir);
        lock (_gate)
        {
            var existing = _slots.Values.FirstOrDefault(s => string.Equals(s.Info.Folder, dir, StringComparison.Ordinal));
            if (existing is not null)
            {
                UnloadSlot(existing, PluginStatus.Unloaded);
                _slots.Remove(existing.Info.Id);
            }

            var slot = Load(dir);
            _slots[slot.Info.Status == PluginStatus.Failed && _slots.ContainsKey(slot.Info.Id) ? $"{slot.Info.Id}@{dir}" : slot.Info.Id] = slot;
            LogOutcome(slot.Info);
            Changed?.Invoke();
            return slot.Info;
        }
    }

    /// <summary>Unloads a plugin: its strategies leave the registry, its bus subscriptions end, its load context is released.</summary>
    public bool Unload(string id)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue(id, out var slot) || slot.Info.Status != PluginStatus.Loaded)
            {
                return false;
            }

            UnloadSlot(slot, PluginStatus.Unloaded);
            _logger.LogInformation("Plugin {Id} unloaded", id);
            Changed?.Invoke();
            return true;
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
        string[] ids;
        lock (_gate)
        {
            ids = _slots.Keys.ToArray();
        }

        foreach (var id in ids)
        {
            Unload(id);
        }

        await ValueTask.CompletedTask.ConfigureAwait(false);
    }

    private void UnloadSlot(Slot slot, PluginStatus status)
    {
        _registry.RemovePlugin(slot.Info.Id);
        _resilience.Predicates.RemovePlugin(slot.Info.Id);
        _bus.RemoveOwnerAsync(slot.Info.Id).AsTask().GetAwaiter().GetResult();
        slot.Loader?.Dispose();
        slot.Loader = null;
        if (slot.Info.Status == PluginStatus.Loaded)
        {
            slot.Info = slot.Info with { Status = status, Reason = status == PluginStatus.Unloaded ? "unloaded on request" : slot.Info.Reason };
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

    private Slot Load(string dir)
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

        if (_slots.TryGetValue(manifest.Id, out var holder) && holder.Info.Folder != dir)
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

            var context = new PluginContext(manifest.Id, _registry, _bus, _loggerFactory, _resilience.HostFor(manifest.Id));
            if (Register(entryTypes[0], context) is { } registerError)
            {
                context.Close();
                _bus.RemoveOwnerAsync(manifest.Id).AsTask().GetAwaiter().GetResult();
                return Fail(dir, manifest.Id, registerError, manifest, loader);
            }

            var strategies = context.Pending
                .Select(s => new PluginStrategyInfo(s.Category, s.Name, s.Description, Config.IsStrategyEnabled(s.Category.ToName(), s.Name)))
                .ToArray();
            var enabled = context.Pending.Where((_, i) => strategies[i].Enabled).ToArray();
            if (!_registry.TryAddAll(manifest.Id, enabled, out var clash))
            {
                _bus.RemoveOwnerAsync(manifest.Id).AsTask().GetAwaiter().GetResult();
                return Fail(dir, manifest.Id, clash, manifest, loader);
            }

            context.PluginResilience.Commit();

            var info = new PluginInfo(manifest.Id, manifest.Version, manifest.SdkRange.Text, dir, PluginStatus.Loaded, null, strategies);
            return new Slot(info, manifest) { Loader = loader };
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
    private string? Register(Type entryType, PluginContext context)
    {
        var task = Task.Factory.StartNew(
            () => ((IPlugin)Activator.CreateInstance(entryType)!).Register(context),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            if (task.Wait(Config.RegisterTimeout))
            {
                return null;
            }
        }
        catch (AggregateException ex)
        {
            var inner = ex.InnerException ?? ex;
            inner = inner is TargetInvocationException { InnerException: { } i } ? i : inner;
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
    public void MarkFailed(string id, string reason)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue(id, out var slot) || slot.Info.Status != PluginStatus.Loaded)
            {
                return;
            }

            UnloadSlot(slot, PluginStatus.Failed);
            slot.Info = slot.Info with { Status = PluginStatus.Failed, Reason = reason, Strategies = [] };
            _logger.LogWarning("Plugin {Id} failed: {Reason}", id, reason);
            Changed?.Invoke();
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
    }
}
