using System.Diagnostics;
using Kernel.Host.Plugins;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace Kernel.Tests.Plugins;

/// <summary>
/// The sample plugin built the way a third party builds it: outside the repository, against the packed SDK package,
/// then dropped into a plugins folder, listed and used.
/// </summary>
[Collection(Tooling.DotnetCliCollection.Name)]
public sealed class ThirdPartyPluginTests
{
    [Fact]
    public async Task The_sample_builds_against_the_sdk_package_alone_and_loads()
    {
        var repo = RepoRoot();
        using var folder = new TestPluginsFolder();
        var work = Path.Combine(folder.Root, "work");
        var feed = Path.Combine(work, "feed");
        var source = Path.Combine(work, "SamplePlugin");
        Directory.CreateDirectory(source);
        foreach (var file in new[] { "SamplePlugin.csproj", "SamplePlugin.cs", "HighestTimestampWins.cs", "SampleLwwOptions.cs", "plugin.json" })
        {
            File.Copy(Path.Combine(repo, "samples", "SamplePlugin", file), Path.Combine(source, file));
        }

        Run(repo, "pack", Path.Combine(repo, "plugin-sdk", "Kernel.Sdk", "Kernel.Sdk.csproj"), "-o", feed, "-c", "Release");
        Run(source, "build", Path.Combine(source, "SamplePlugin.csproj"), "-p:UseSdkPackage=true", "-p:RestoreAdditionalProjectSources=" + feed, "-p:RestorePackagesPath=" + Path.Combine(work, "packages"));

        var output = Path.Combine(source, "bin", "Debug", "net10.0");
        Assert.False(File.Exists(Path.Combine(output, "Kernel.Sdk.dll")), "the plugin must not carry its own copy of the SDK");
        TestPluginsFolder.CopyDirectory(output, Path.Combine(folder.Folder, "SamplePlugin"));

        await using var runtime = folder.CreateRuntime();
        runtime.Start();
        var info = Assert.Single(runtime.Plugins.Plugins);
        Assert.Equal(PluginStatus.Loaded, info.Status);
        Assert.True(runtime.Registry.TryGet("conflict/sample-lww", out var registration));
        Assert.IsAssignableFrom<IConflictResolutionStrategy>(registration.Strategy);
        using var lease = runtime.ResolverFor("test").GetConflictResolver("conflict/sample-lww");
        var resolution = lease.Value.Resolve(new Conflict("k", [
            new VersionedValue(new NodeId(1), new byte[] { 1 }, 5, VersionVector.Empty),
            new VersionedValue(new NodeId(2), new byte[] { 2 }, 5, VersionVector.Empty),
        ], null));
        Assert.Equal(new NodeId(2), resolution.Resolved!.Replica); // equal timestamps: the greater replica id wins
    }

    private static string RepoRoot()
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

    private static void Run(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["MSBUILDNODEREUSE"] = "0"; // no build server left behind by a test
        psi.ArgumentList.Add("-nodeReuse:false");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"dotnet {string.Join(' ', args)} did not finish");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{stdout.Result}\n{stderr.Result}");
    }
}
