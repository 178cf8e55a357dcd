using System.Diagnostics;
using System.Globalization;
using System.Text;

using Kernel.Host.Cli;

namespace Kernel.Tests.Cli;

/// <summary>Runs the kernel's command line in-process, or as a process of its own, and captures what it writes.</summary>
internal static class KernelProcess
{
    public static async Task<(int Code, string Out, string Err)> RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KernelCli.RunAsync(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Polls <paramref name="condition"/> every half second for <paramref name="seconds"/>; fails naming <paramref name="what"/> with the processes' output.</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, Func<string> output, int seconds = 30)
    {
        for (var i = 0; i < seconds * 2; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail($"no {what} within {seconds} s:\n{output()}");
    }

    /// <summary>Starts <c>dotnet kernel.dll ARGS</c> (the build beside the tests), its output captured.</summary>
    public static RunningKernel Start(params string[] args) => new(args);

    /// <summary>A client port whose layout for <paramref name="members"/> members (port, +1, +2, then the same +10000 per member) is free now.</summary>
    public static int FreeLayoutPort(int members = 3)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(3_000, 25_000);
            if (Enumerable.Range(0, members).SelectMany(m => new[] { 0, 1, 2 }.Select(o => (10_000 * m) + o)).All(offset => Free(port + offset)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port layout found");

        static bool Free(int port)
        {
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
    }
}

/// <summary>
/// A kernel process: its captured output, signals (SIGTERM, SIGINT, SIGKILL) and a dispose that kills what still runs, so
/// a failed assertion leaves no kernel behind.
/// </summary>
internal sealed class RunningKernel : IDisposable
{
    private readonly StringBuilder _log = new();

    public RunningKernel(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kernel.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process = new Process { StartInfo = psi };
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.Start();
        Process.BeginErrorReadLine();
        Process.BeginOutputReadLine();
    }

    public Process Process { get; }

    /// <summary>The captured output so far (the output handlers append to it concurrently).</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the output.</summary>
    public string Tail(int lines) => string.Join("\n", Output.Split('\n').TakeLast(lines));

    /// <summary>Waits up to two minutes for <paramref name="text"/> in the output.</summary>
    public bool WaitFor(string text)
    {
        for (var i = 0; i < 1200; i++)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            Thread.Sleep(100);
        }

        return false;
    }

    /// <summary>Sends a signal with kill(1) (<c>TERM</c>, <c>INT</c>, <c>KILL</c>).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>SIGTERM, then waits for a clean exit (code 0) within a minute.</summary>
    public void Stop()
    {
        Signal("TERM");
        if (!Process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            Process.Kill(entireProcessTree: true);
            Assert.Fail("the kernel did not stop on SIGTERM within a minute; the end of its output:\n" + Tail(80));
        }

        Assert.True(Process.ExitCode == 0, $"exit code {Process.ExitCode}:\n{Output}");
    }

    /// <summary>kill -9: the process dies at once, with whatever it had not written.</summary>
    public void Kill9()
    {
        Signal("KILL");
        Assert.True(Process.WaitForExit(TimeSpan.FromSeconds(30)), "the kernel did not die on SIGKILL");
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        Process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
