using System.Diagnostics;
using System.Reflection;

namespace Kernel.Tests.Tooling;

/// <summary>
/// Runs the dotnet CLI (or bash) as a separate process the way a developer would, outside this test host: a child
/// inherits the environment less what the test host set for itself, plus the variables given.
/// </summary>
internal static class DotnetCli
{
    /// <summary>The repository this test assembly was built from.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The kernel executable (kernel.dll) built beside this test assembly.</summary>
    public static string KernelDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "kernel.dll");
            Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"the build did not put the kernel beside the tests ({path})");
            return path;
        }
    }

    /// <summary>The configuration this test assembly was built in (Debug, Release).</summary>
    public static string Configuration { get; } =
        typeof(DotnetCli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>Variables every child gets: no logo, telemetry, first-run work or build servers left behind.</summary>
    public static IReadOnlyDictionary<string, string?> Quiet { get; } = new Dictionary<string, string?>
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
        ["MSBUILDNODEREUSE"] = "0",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
    };

    /// <summary>Runs <c>dotnet</c> with the arguments; fails the test (with both outputs) unless it exits 0.</summary>
    public static string Dotnet(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var (code, stdout, stderr) = Run("dotnet", workingDirectory, environment, TimeSpan.FromMinutes(8), args);
        Assert.True(code == 0, $"dotnet {string.Join(' ', args)} exited {code}:\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Runs a program and returns its exit code and outputs; fails the test if it does not finish in time.</summary>
    public static (int Code, string Out, string Err) Run(string fileName, string workingDirectory, IReadOnlyDictionary<string, string?> environment,
        TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // What the test host set for itself must not leak into a build or test run of another project.
        foreach (var name in psi.Environment.Keys.ToList())
        {
            if (name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase))
            {
                psi.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in Quiet.Concat(environment))
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"{fileName} is needed for this test and could not be started: {ex.Message}");
            throw;
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{fileName} {string.Join(' ', args)} did not finish in {timeout}:\n{stdout.Result}\n{stderr.Result}");
            }

            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>Copies a folder tree, leaving out build output and version control.</summary>
    public static void CopySources(string source, string target)
    {
        string[] skipped = ["bin", "obj", ".git", ".vs", "TestResults", "artifacts", "BenchmarkDotNet.Artifacts", "node_modules"];
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            if (!skipped.Contains(Path.GetFileName(dir), StringComparer.Ordinal))
            {
                CopySources(dir, Path.Combine(target, Path.GetFileName(dir)));
            }
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kernel.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kernel.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Tests that build and run projects with the dotnet CLI: one at a time, and not beside other tests (they use every core).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DotnetCliCollection
{
    public const string Name = "dotnet CLI";
}
