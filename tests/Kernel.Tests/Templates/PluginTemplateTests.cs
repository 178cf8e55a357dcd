using System.Text.Json;
using System.Text.RegularExpressions;
using Kernel.Tests.Tooling;

namespace Kernel.Tests.Templates;

/// <summary>
/// The kernel-plugin template used as a third party uses it: the SDK, the testing kit and the template packed to a local
/// folder, the template installed from it into a hive of its own, a plugin of each category generated outside the
/// repository, built against the packages alone, loaded by the kernel, and its generated tests run.
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed partial class PluginTemplateTests(PluginTemplateTests.Feed feed) : IClassFixture<PluginTemplateTests.Feed>
{
    [Theory]
    [InlineData("conflict", "last-writer-wins", 5)]
    [InlineData("crdt", "g-counter", 5)]
    [InlineData("resilience", "constant-retry", 4)]
    [InlineData("consensus", "mini-raft", 3)]
    [InlineData("replication", "lww-gossip", 4)]
    public void A_generated_plugin_builds_against_the_packages_loads_in_the_kernel_and_passes_its_own_tests(string category, string strategy, int tests)
    {
        var name = "My" + char.ToUpperInvariant(category[0]) + category[1..] + "Plugin";
        var project = Path.Combine(feed.Work, name);
        DotnetCli.Dotnet(feed.Work, feed.Environment, "new", "kernel-plugin", "-n", name, "--category", category, "-o", project);
        Assert.True(File.Exists(Path.Combine(project, name, "plugin.json")), "the template writes the manifest");

        DotnetCli.Dotnet(project, feed.Environment, "build", Path.Combine(project, name, name + ".csproj"), "-c", "Release", "-nodeReuse:false");
        var output = Path.Combine(project, name, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "plugin.json")), "plugin.json is copied to the output");
        Assert.False(File.Exists(Path.Combine(output, "Kernel.Sdk.dll")), "the plugin must not carry its own copy of the SDK");

        var plugins = Path.Combine(feed.Work, "plugins-" + category);
        TestPluginsFolder.CopyDirectory(output, Path.Combine(plugins, name));
        var (code, stdout, stderr) = DotnetCli.Run("dotnet", feed.Work, feed.Environment, TimeSpan.FromMinutes(2),
            DotnetCli.KernelDll, "--config", feed.EmptyConfig, "--plugins-dir", plugins, "plugins", "--json");
        Assert.True(code == 0, $"kernel plugins exited {code}:\n{stdout}\n{stderr}");
        using (var listing = JsonDocument.Parse(stdout))
        {
            var plugin = Assert.Single(listing.RootElement.GetProperty("plugins").EnumerateArray());
            Assert.Equal(name, plugin.GetProperty("id").GetString());
            Assert.True(plugin.GetProperty("status").GetString() == "loaded", stdout);
            var registered = Assert.Single(plugin.GetProperty("strategies").EnumerateArray());
            Assert.Equal(category, registered.GetProperty("category").GetString());
            Assert.Equal(strategy, registered.GetProperty("name").GetString());
        }

        var testRun = DotnetCli.Dotnet(project, feed.Environment, "test", project, "-nodeReuse:false");
        var counts = Summary().Match(testRun);
        Assert.True(counts.Success, "no test summary in:\n" + testRun);
        Assert.Equal("0", counts.Groups["failed"].Value);
        Assert.Equal(tests.ToString(System.Globalization.CultureInfo.InvariantCulture), counts.Groups["passed"].Value);
        Assert.Equal(counts.Groups["passed"].Value, counts.Groups["total"].Value);
    }

    [GeneratedRegex(@"Failed:\s+(?<failed>\d+), Passed:\s+(?<passed>\d+), Skipped:\s+\d+, Total:\s+(?<total>\d+)")]
    private static partial Regex Summary();

    /// <summary>
    /// Packs Kernel.Sdk, Kernel.Storage, Kernel.Sdk.Testing and the template once for every category, installs the template into a
    /// hive of its own (DOTNET_CLI_HOME), and writes the nuget.config that makes the packages' folder a source.
    /// Restores go to a packages folder of their own, so a cached Kernel.Sdk of the same version never stands in.
    /// </summary>
    public sealed class Feed : IDisposable
    {
        public Feed()
        {
            Work = Path.Combine(Path.GetTempPath(), "kernel-template-" + Guid.NewGuid().ToString("N"));
            var packages = Path.Combine(Work, "packages");
            Directory.CreateDirectory(packages);
            Environment = new Dictionary<string, string?>
            {
                ["DOTNET_CLI_HOME"] = Path.Combine(Work, "home"),
                ["NUGET_PACKAGES"] = Path.Combine(Work, "nuget-packages"),
            };

            var repo = DotnetCli.RepoRoot;
            DotnetCli.Dotnet(repo, Environment, "pack", Path.Combine(repo, "plugin-sdk", "Kernel.Sdk.Testing", "Kernel.Sdk.Testing.csproj"), "-c", "Release", "-o", packages, "-nodeReuse:false");
            DotnetCli.Dotnet(repo, Environment, "pack", Path.Combine(repo, "plugin-sdk", "Kernel.Sdk", "Kernel.Sdk.csproj"), "-c", "Release", "--no-build", "-o", packages, "-nodeReuse:false");
            DotnetCli.Dotnet(repo, Environment, "pack", Path.Combine(repo, "plugin-sdk", "Kernel.Storage", "Kernel.Storage.csproj"), "-c", "Release", "-o", packages, "-nodeReuse:false");
            DotnetCli.Dotnet(repo, Environment, "pack", Path.Combine(repo, "templates", "Kernel.Templates.csproj"), "-c", "Release", "-o", packages, "-nodeReuse:false");
            Assert.Equal(4, Directory.GetFiles(packages, "*.nupkg").Length);

            DotnetCli.Dotnet(Work, Environment, "new", "install", Path.Combine(packages, "Kernel.Templates.1.0.0.nupkg"));
            File.WriteAllText(Path.Combine(Work, "nuget.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="kernel-local" value="packages" />
                  </packageSources>
                </configuration>
                """);
            EmptyConfig = Path.Combine(Work, "plugins.json");
            File.WriteAllText(EmptyConfig, "{}");
        }

        public string Work { get; }

        public string EmptyConfig { get; }

        public IReadOnlyDictionary<string, string?> Environment { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Work, recursive: true);
            }
            catch (IOException)
            {
                // A build server or test host still holding a file; the OS temp cleaner takes the rest.
            }
        }
    }
}
