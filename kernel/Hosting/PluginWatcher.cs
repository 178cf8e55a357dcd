using Kernel.Host.Plugins;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>
/// Hot reload: watches the plugins folder and reloads a plugin's folder once its files have been quiet for a moment
/// (a copy in progress produces many events; the debounce waits for the last).
/// </summary>
internal sealed class PluginWatcher : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(750);
    private readonly PluginManager _manager;
    private readonly ILogger _logger;
    private static readonly TimeSpan FolderPoll = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, Timer> _pending = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private FileSystemWatcher? _watcher;
    private Timer? _folderPoll;
    private bool _disposed;

    public PluginWatcher(PluginManager manager, ILogger logger)
    {
        _manager = manager;
        _logger = logger;
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
        lock (_gate)
        {
            _disposed = true;
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

        var folder = Path.Combine(_manager.Folder, top);
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
