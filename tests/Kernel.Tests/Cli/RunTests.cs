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
        using var kernel = KernelProcess.Start("run", "--config", config, "--plugins-dir", folder.Folder);
        Assert.True(kernel.WaitFor("Kernel ready: 0 plugins loaded"), "no ready line:\n" + kernel.Output);

        folder.Add("SamplePlugin");
        Assert.True(kernel.WaitFor("plugin SamplePlugin is loaded"), "no hot reload:\n" + kernel.Output);

        kernel.Signal("INT");
        Assert.True(kernel.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the kernel did not stop on SIGINT:\n" + kernel.Output);
        Assert.Equal(0, kernel.Process.ExitCode);
    }
}
