using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>
/// Watches <c>plugins.json</c> and, once it has been quiet for a moment (an editor's save is several events: truncate, write,
/// or write a temporary file and rename it over), calls <see cref="KernelRuntime.ReloadConfiguration"/>.
/// </summary>
internal sealed class ConfigWatcher : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private readonly object _gate = new();
    private readonly ILogger? _logger;
    private bool _disposed;

    public ConfigWatcher(string path, Action reload, ILogger? logger = null)
    {
        _logger = logger;
        _timer = new Timer(_ => Fire(reload), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += OnEvent;
        _watcher.Created += OnEvent;
        _watcher.Renamed += OnEvent;
        _watcher.EnableRaisingEvents = true;
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _timer.Change(Quiet, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire(Action reload)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
        }

        try
        {
            reload();
        }
        catch (Exception ex)
        {
            // A timer thread: an exception here would end the process. The kernel goes on with what it has.
            _logger?.LogError("Applying the change of the configuration file failed: {Type}: {Message}", ex.GetType().Name, ex.Message);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _watcher.Dispose();
        _timer.Dispose();
    }
}
