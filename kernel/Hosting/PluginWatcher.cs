using Kernel.Host.Plugins;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>
/// Hot reload: watches the plugins folder and reloads a plugin's folder once its files have been quiet for a moment
/// (a copy in progress produces many events; the debounce waits for the last). A plugin that is in use is not reloaded
/// or unloaded under its users: the change is deferred, logged with what holds the plugin, and carried out once the last
/// hold is released.
/// </summary>
internal sealed class PluginWatcher : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(750);
    private readonly PluginManager _manager;
    private readonly ILogger _logger;
    private static readonly TimeSpan FolderPoll = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, Timer> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _deferred = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();
    private FileSystemWatcher? _watcher;
    private Timer? _folderPoll;
    private bool _disposed;

    public PluginWatcher(PluginManager manager, ILogger logger)
    {
        _manager = manager;
        _logger = logger;
        _manager.Released += OnReleased;
        if (Directory.Exists(manager.Folder))
        {
            Watch();
            return;
        }

        // A folder that does not exist yet cannot be watched; look for it every second until it appears, then load it.
        _logger.LogWarning("Plugins folder {Folder} does not exist; it is loaded and watched once it is created", manager.Folder);
        _folderPoll = new Timer(_ => PollForFolder(), null, FolderPoll, FolderPoll);
    }

    private void PollForFolder()
    {
        lock (_gate)
        {
            if (_disposed || _watcher is not null || !Directory.Exists(_manager.Folder))
            {
                return;
            }

            _folderPoll?.Dispose();
            _folderPoll = null;
            Watch();
        }

        _logger.LogInformation("Plugins folder {Folder} was created; loading and watching it", _manager.Folder);
        try
        {
            _manager.LoadAll();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Loading {Folder} failed: {Reason}; its plugins load on their next change", _manager.Folder, ex.Message);
        }
    }

    private void Watch()
    {
        _watcher = new FileSystemWatcher(_manager.Folder)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += OnEvent;
        _watcher.Created += OnEvent;
        _watcher.Deleted += OnEvent;
        _watcher.Renamed += OnEvent;
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _manager.Released -= OnReleased;
        lock (_gate)
        {
            _disposed = true;
            _deferred.Clear();
            foreach (var t in _pending.Values)
            {
                t.Dispose();
            }

            _pending.Clear();
            _folderPoll?.Dispose();
            _folderPoll = null;
        }

        _watcher?.Dispose();
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        var relative = Path.GetRelativePath(_manager.Folder, e.FullPath);
        var top = relative.Split(Path.DirectorySeparatorChar)[0];
        if (top is "." or ".." || top.Length == 0)
        {
            return;
        }

        Schedule(Path.Combine(_manager.Folder, top));
    }

    /// <summary>The last hold on a plugin went: a change deferred for it is carried out now (after the usual quiet).</summary>
    private void OnReleased(string id)
    {
        string? folder;
        lock (_gate)
        {
            if (!_deferred.Remove(id, out folder))
            {
                return;
            }
        }

        _logger.LogInformation("Plugin {Id} is no longer in use; carrying out the deferred hot reload of {Folder}", id, folder);
        Schedule(folder);
    }

    private void Schedule(string folder)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_pending.TryGetValue(folder, out var timer))
            {
                timer.Change(Quiet, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _pending[folder] = new Timer(_ => Fire(folder), null, Quiet, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire(string folder)
    {
        lock (_gate)
        {
            if (_disposed || !_pending.Remove(folder, out var timer))
            {
                return;
            }

            timer.Dispose();
        }

        var current = _manager.Plugins.FirstOrDefault(p => p.Folder == Path.GetFullPath(folder) && p.Status == PluginStatus.Loaded);
        if (current is not null && _manager.InUse(current.Id) is { } holders)
        {
            lock (_gate)
            {
                _deferred[current.Id] = folder;
            }

            _logger.LogWarning("Hot reload of {Folder} deferred until the plugin is released: {Reason}", folder, holders);

            // Released may have fired between the check and the record: look again.
            if (_manager.InUse(current.Id) is null)
            {
                OnReleased(current.Id);
            }

            return;
        }

        try
        {
            if (Directory.Exists(folder))
            {
                var info = _manager.LoadFolder(folder);
                _logger.LogInformation("Hot reload of {Folder}: plugin {Id} is {Status}", folder, info.Id, info.Status.ToString().ToLowerInvariant());
            }
            else
            {
                var gone = _manager.Plugins.FirstOrDefault(p => p.Folder == folder);
                if (gone is not null)
                {
                    _manager.Unload(gone.Id);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Hot reload of {Folder} failed; will retry on its next change", folder);
        }
    }
}
