using System.Diagnostics;

namespace Kernel.Node.Tests.Etcd.Api;

/// <summary>
/// Runs Debian's <c>etcdctl</c> (package <c>etcd-client</c>, 3.4) with <c>ETCDCTL_API=3</c> against one endpoint. Where it
/// is not installed a test skips locally and fails in CI (<c>CI=true</c>, where <c>.ci/run</c> installs it).
/// </summary>
internal sealed class Etcdctl(string endpoint)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>The etcdctl on PATH, or null.</summary>
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "etcdctl"))
        .FirstOrDefault(File.Exists);

    /// <summary>Skips (locally) or fails (in CI) when etcdctl is not installed.</summary>
    public static void Require()
    {
        if (Path is not null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("etcdctl is not installed: CI must install Debian's etcd-client package (.ci/run does).");
        }

        Skip.If(true, "etcdctl is not installed (apt-get install etcd-client); CI runs these tests.");
    }

    /// <summary>
    /// Runs one command to its end (within <paramref name="limit"/>, a minute by default); fails the test on a non-zero
    /// exit unless <paramref name="mayFail"/>.
    /// </summary>
    public async Task<(int Exit, string Out, string Err)> RunAsync(string arguments, string? stdin = null, bool mayFail = false, TimeSpan? limit = null)
    {
        using var process = Start(arguments, stdin is not null);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit ?? Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"etcdctl {arguments} did not finish in {(limit ?? Limit).TotalSeconds} s");
        }

        var result = (process.ExitCode, await output, await error);
        if (!mayFail && result.ExitCode != 0)
        {
            Assert.Fail($"etcdctl {arguments} exited {result.ExitCode}: {result.Item3}{result.Item2}");
        }

        return result;
    }

    /// <summary>Starts a long-running command (a watch) whose output the test reads line by line, then kills it.</summary>
    public Process Start(string arguments, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(Path!, $"--endpoints={endpoint} --command-timeout=20s {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        start.Environment["ETCDCTL_API"] = "3";
        return Process.Start(start) ?? throw new InvalidOperationException("etcdctl did not start");
    }

    /// <summary>The non-empty lines of etcdctl's output, trimmed.</summary>
    public static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>Reads <paramref name="count"/> non-empty lines from a long-running command (a watch); fails when it ends first or 30 s pass.</summary>
    public static async Task<List<string>> ReadLinesAsync(Process process, int count)
    {
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (lines.Count < count)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                Assert.Fail($"etcdctl watch ended after {string.Join("|", lines)}: {await process.StandardError.ReadToEndAsync()}");
            }

            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
