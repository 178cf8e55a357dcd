using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ClusterBench;

/// <summary>
/// Every process the harness starts, so that all of them are killed when it exits: normally, on an exception, on Ctrl+C
/// or SIGTERM (Program cancels and unwinds to <see cref="KillAll"/>), and on the runtime's process exit as a last resort.
/// </summary>
internal static class Children
{
    private static readonly List<Child> All = [];

    static Children() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    public static Child Start(string file, IEnumerable<string> args, string workingDirectory, string log, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // a child never reads the harness's terminal
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var child = new Child(psi, log);
        lock (All)
        {
            All.Add(child);
        }

        child.Start();
        return child;
    }

    /// <summary>Kills every started process still running (its whole tree) and waits for each to go.</summary>
    public static void KillAll()
    {
        Child[] children;
        lock (All)
        {
            children = [.. All];
            All.Clear();
        }

        foreach (var child in children)
        {
            child.Kill();
        }
    }

    /// <summary>Loopback ports free now: all bound at once (so they differ), then released.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var l in listeners)
        {
            l.Start();
        }

        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners)
        {
            l.Stop();
        }

        return ports;
    }
}

/// <summary>A started process; its standard output and error go to a log file.</summary>
internal sealed class Child
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _path;

    public Child(ProcessStartInfo psi, string log)
    {
        _path = log;
        _log = new StreamWriter(log, append: true) { AutoFlush = true };
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The CPU time (user and system) the process has used so far; zero once it has exited.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    /// <summary>Waits for the process to exit (and its output to be written), or kills it after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _process.Kill(entireProcessTree: true);
            return false;
        }
    }

    public string Log => _path;

    public void Start()
    {
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The last lines of the log.</summary>
    public string Tail(int lines)
    {
        try
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(log {_path} unreadable: {e.Message})";
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        lock (_log)
        {
            _log.Dispose();
        }

        _process.Dispose();
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
