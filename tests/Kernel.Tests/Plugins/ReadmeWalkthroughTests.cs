using System.Text;
using System.Text.RegularExpressions;
using Kernel.Tests.Tooling;

namespace Kernel.Tests.Plugins;

/// <summary>
/// The README's "Writing a plugin" walkthrough, followed literally: its bash blocks, in order, run as one script from
/// the root of a fresh copy of the repository, with an empty home folder (so <c>~</c> and the NuGet cache and the
/// dotnet new templates are the test's own). The README and this test cannot drift apart: the test reads the README.
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed partial class ReadmeWalkthroughTests : IDisposable
{
    private const string Section = "## Writing a plugin";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "kernel-readme-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void The_walkthrough_section_has_the_steps_the_test_runs()
    {
        var blocks = BashBlocks(File.ReadAllText(Path.Combine(DotnetCli.RepoRoot, "README.md")));
        Assert.Equal(5, blocks.Count);
        Assert.Contains("dotnet pack plugin-sdk/Kernel.Sdk ", blocks[0], StringComparison.Ordinal);
        Assert.Contains("nuget.config", blocks[1], StringComparison.Ordinal);
        Assert.DoesNotContain("sha256", string.Concat(blocks), StringComparison.Ordinal);
        Assert.StartsWith("cat > ~/kernel-dev/nuget.config <<'XML'\n<?xml", blocks[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Following_the_walkthrough_on_a_fresh_copy_ends_with_the_plugin_loaded()
    {
        var clone = Path.Combine(_work, "clone");
        var home = Path.Combine(_work, "home");
        DotnetCli.CopySources(DotnetCli.RepoRoot, clone);
        Directory.CreateDirectory(home);
        var blocks = BashBlocks(File.ReadAllText(Path.Combine(clone, "README.md")));
        var script = Path.Combine(_work, "walkthrough.sh");
        File.WriteAllText(script, "set -euo pipefail\n" + string.Join("\n", blocks) + "\n");

        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = null,
            ["NUGET_PACKAGES"] = null,
            ["NUGET_HTTP_CACHE_PATH"] = HttpCache(),
        };
        var (code, stdout, stderr) = DotnetCli.Run("bash", clone, environment, TimeSpan.FromMinutes(15), script);
        Assert.True(code == 0, $"the walkthrough exited {code}:\n{stdout}\n{stderr}");

        var lines = stdout.Split('\n');
        var plugin = Array.FindIndex(lines, l => PluginLine().IsMatch(l));
        Assert.True(plugin >= 0, "the check does not list MyPlugin as loaded:\n" + stdout);
        Assert.Contains("conflict/last-writer-wins", lines[plugin + 1], StringComparison.Ordinal);
        Assert.Equal(1, lines.Count(l => l.Contains(" loaded", StringComparison.Ordinal)));
        Assert.False(File.Exists(Path.Combine(home, "kernel-dev", "plugins", "MyPlugin", "Kernel.Sdk.dll")), "the plugin must not carry its own copy of the SDK");
    }

    public void Dispose()
    {
        if (!Directory.Exists(_work))
        {
            return;
        }

        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a build server that is going away; the OS temp cleaner takes it.
        }
    }

    /// <summary>
    /// The bash blocks of the README's section, in order, each with its fence's indentation removed from its lines
    /// (as Markdown renders them, so what runs is what a reader copies).
    /// </summary>
    internal static List<string> BashBlocks(string readme)
    {
        var lines = readme.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.IndexOf(lines, Section);
        Assert.True(start >= 0, $"README.md has no line '{Section}'");
        var blocks = new List<string>();
        StringBuilder? block = null;
        var indent = 0;
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart(' ');
            if (block is null)
            {
                if (trimmed == "```bash")
                {
                    block = new StringBuilder();
                    indent = line.Length - trimmed.Length;
                }

                continue;
            }

            if (trimmed == "```")
            {
                blocks.Add(block.ToString());
                block = null;
                continue;
            }

            var strip = Math.Min(indent, line.Length - line.TrimStart(' ').Length);
            block.Append(line.AsSpan(strip)).Append('\n');
        }

        Assert.True(block is null, "an unclosed bash block in the README's section");
        return blocks;
    }

    /// <summary>The machine's NuGet HTTP cache, so that the empty home does not download every package again (null when there is none).</summary>
    private static string? HttpCache()
    {
        var path = Environment.GetEnvironmentVariable("NUGET_HTTP_CACHE_PATH");
        if (string.IsNullOrEmpty(path))
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            path = home is null ? null : Path.Combine(home, ".local", "share", "NuGet", "http-cache");
        }

        return path is not null && Directory.Exists(path) ? path : null;
    }

    [GeneratedRegex(@"^\s+MyPlugin 1\.0\.0\s+SDK \[2\.0\.0, 3\.0\.0\)\s+loaded\s*$")]
    private static partial Regex PluginLine();
}
