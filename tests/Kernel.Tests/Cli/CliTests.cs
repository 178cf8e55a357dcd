using static Kernel.Tests.Cli.KernelProcess;
using System.Text.Json;

namespace Kernel.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public async Task Plugins_json_lists_every_plugin_with_status_reason_and_strategies()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("ThrowingPlugin");
        var path = folder.WriteConfig("{}");

        var (code, stdout, _) = await RunCli("plugins", "--json", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var plugins = doc.RootElement.GetProperty("plugins").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        var sample = plugins["SamplePlugin"];
        Assert.Equal("loaded", sample.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, sample.GetProperty("reason").ValueKind);
        Assert.Equal("1.0.0", sample.GetProperty("version").GetString());
        var strategy = Assert.Single(sample.GetProperty("strategies").EnumerateArray());
        Assert.Equal("conflict", strategy.GetProperty("category").GetString());
        Assert.Equal("sample-lww", strategy.GetProperty("name").GetString());
        var throwing = plugins["ThrowingPlugin"];
        Assert.Equal("failed", throwing.GetProperty("status").GetString());
        Assert.Contains("refuses to register", throwing.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Plugins_text_shows_ids_versions_ranges_and_statuses()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("{}");

        var (code, stdout, _) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        Assert.Contains("SamplePlugin 1.0.0  SDK [2.0.0, 3.0.0)  loaded", stdout);
        Assert.Contains("conflict/sample-lww", stdout);
    }

    [Fact]
    public async Task Strategies_lists_category_slash_name_with_a_description_and_filters_by_category()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("{}");

        var (code, stdout, _) = await RunCli("strategies", "--category", "conflict", "--config", path, "--plugins-dir", folder.Folder);
        Assert.Equal(0, code);
        Assert.Contains("conflict/sample-lww  Sample plugin: last writer wins", stdout);

        var (code2, stdout2, _) = await RunCli("strategies", "--category", "consensus", "--config", path, "--plugins-dir", folder.Folder);
        Assert.Equal(0, code2);
        Assert.DoesNotContain("sample-lww", stdout2);

        var (code3, _, err3) = await RunCli("strategies", "--category", "bogus", "--config", path, "--plugins-dir", folder.Folder);
        Assert.Equal(2, code3);
        Assert.Contains("--category 'bogus' is not a category", err3);
    }

    [Fact]
    public async Task Strategies_json_is_one_object()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("{}");

        var (code, stdout, _) = await RunCli("strategies", "--json", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var s = Assert.Single(doc.RootElement.GetProperty("strategies").EnumerateArray());
        Assert.Equal("conflict/sample-lww", s.GetProperty("key").GetString());
        Assert.Equal("SamplePlugin", s.GetProperty("plugin").GetString());
    }

    [Fact]
    public async Task The_kernel_survives_an_empty_or_missing_plugins_folder()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("{}");

        var (code, stdout, _) = await RunCli("plugins", "--config", path, "--plugins-dir", Path.Combine(folder.Root, "absent"));

        Assert.Equal(0, code);
        Assert.Contains("none", stdout);
    }
}
