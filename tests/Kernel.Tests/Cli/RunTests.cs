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

        // A process started in the background by a shell without job control (`cmd &` in a script) ignores SIGINT, and so
        // does every process it starts: the kernel would inherit that and rightly ignore Ctrl+C. Say so instead of
        // failing on the kernel.
        Assert.False(IgnoresSigint(), "this test process ignores SIGINT (SigIgn in /proc/self/status: it was started in the background by a shell without job control), so a kernel it starts ignores it too; run the tests in the foreground or with `set -m`");

        using var folder = new TestPluginsFolder();
        var config = folder.WriteConfig("{}");
        using var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder);
        Assert.True(kernel.WaitFor("Kernel ready: 0 plugins loaded"), "no ready line:\n" + kernel.Output);

        folder.Add("SamplePlugin");
        Assert.True(kernel.WaitFor("plugin SamplePlugin is loaded"), "no hot reload:\n" + kernel.Output);

        kernel.Signal("INT");
        Assert.True(kernel.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the kernel did not stop on SIGINT:\n" + kernel.Output);
        Assert.Equal(0, kernel.Process.ExitCode);
    }

    /// <summary>True when this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status).</summary>
    private static bool IgnoresSigint()
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
        {
            return false;
        }

        var line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && ulong.TryParse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << 1)) != 0; // signal 2 is bit 1
    }
}
