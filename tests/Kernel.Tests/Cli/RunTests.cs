using System.Diagnostics;
using System.Text;

namespace Kernel.Tests.Cli;

/// <summary>The kernel as a process: <c>run</c> starts, reports ready, hot-reloads a dropped-in plugin and stops on Ctrl+C.</summary>
public sealed class RunTests
{
    [Fact]
    public void Run_reports_ready_hot_loads_a_new_plugin_and_stops_cleanly_on_sigint()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // SIGINT is sent with kill(1)
        }

        using var folder = new TestPluginsFolder();
        var config = folder.WriteConfig("{}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "kernel.dll"), "run", "--config", config, "--plugins-dir", folder.Folder })
        {
            psi.ArgumentList.Add(a);
        }

        var log = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            Assert.True(WaitFor(log, "Kernel ready: 0 plugins loaded"), "no ready line:\n" + Show(log));

            folder.Add("SamplePlugin");
            Assert.True(WaitFor(log, "plugin SamplePlugin is loaded"), "no hot reload:\n" + Show(log));

            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the kernel did not stop on SIGINT:\n" + Show(log));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The captured output so far (the process's output handlers append to it concurrently).</summary>
    private static string Show(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static bool WaitFor(StringBuilder log, string text)
    {
        for (var i = 0; i < 600; i++)
        {
            lock (log)
            {
                if (log.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            Thread.Sleep(100);
        }

        return false;
    }
}
