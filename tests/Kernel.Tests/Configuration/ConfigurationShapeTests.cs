using System.Collections;
using System.Text;
using Kernel.Host.Configuration;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Configuration;

/// <summary>Configuration validated by type and shape, every problem at once, each naming its path and where it came from.</summary>
public sealed class ConfigurationShapeTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();

    [Theory]
    [InlineData("""{"plugins":"UltimateConsensus"}""", "line 1: plugins is a string (\"UltimateConsensus\"); expected an object mapping plugin ids to")]
    [InlineData("""{"strategies":{"consensus":{"raft":"on"}}}""", "line 1: strategies.consensus.raft is a string (\"on\"); expected an object { \"strategy\": \"NAME\" (for a named instance), \"enabled\": true|false, \"options\": { ... } }.")]
    [InlineData("""{"pluginsFolder":["a","b"]}""", "line 1: pluginsFolder is an array; expected a folder path.")]
    [InlineData("""{"pluginsFolder":""}""", "line 1: pluginsFolder is empty; expected a folder path")]
    [InlineData("""{"pluginsFolder":3}""", "line 1: pluginsFolder is a number (3); expected a string (a folder path).")]
    [InlineData("""{"plugins":{"SamplePlugin":{"enabled":"yes"}}}""", "line 1: plugins.SamplePlugin.enabled is a string (\"yes\"); allowed values true, false.")]
    [InlineData("""{"plugins":{"SamplePlugin":{"enabled":1}}}""", "line 1: plugins.SamplePlugin.enabled is a number (1); allowed values true, false.")]
    [InlineData("""{"plugins":{"SamplePlugin":[true]}}""", "line 1: plugins.SamplePlugin is an array; expected an object")]
    [InlineData("""{"strategies":{"conflict":{"sample-lww":{"options":"tieBreak=none"}}}}""", "line 1: strategies.conflict.sample-lww.options is a string (\"tieBreak=none\"); expected an object of option names and values.")]
    [InlineData("""{"strategies":{"conflict":{"sample-lww":{"options":{"tieBreak":null}}}}}""", "line 1: strategies.conflict.sample-lww.options.tieBreak is null; give a value, or remove the entry for the default.")]
    [InlineData("""{"pluginsFolder":null}""", "line 1: pluginsFolder is null")]
    [InlineData("""{"strategies":[]}""", "line 1: strategies is an array; expected an object mapping categories to strategies.")]
    [InlineData("""{"registerTimeoutSeconds":0}""", "line 1: registerTimeoutSeconds is a number (0); expected a number of seconds greater than 0 and at most 3600.")]
    [InlineData("""{"plugins":{"A":{"enabled":true},"a":{"enabled":false}}}""", "line 1: plugins.a is given twice (keys are case-insensitive); keep one.")]
    public void Wrong_types_and_shapes_are_errors_naming_the_path_the_type_and_the_line(string json, string expected)
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig(json);

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, [], NoEnvironment));

        Assert.Contains(path + " " + expected, ex.Message);
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once_with_its_own_line()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("{\n  \"plugins\": \"UltimateConsensus\",\n  \"pluginsFolder\": [\"a\"],\n  \"strategies\": { \"consensus\": { \"raft\": \"on\" } }\n}");

        var (code, _, err) = await RunCli("plugins", "--config", path);

        Assert.Equal(2, code);
        Assert.Contains($"error: {path} line 2: plugins is a string", err);
        Assert.Contains($"error: {path} line 3: pluginsFolder is an array", err);
        Assert.Contains($"error: {path} line 4: strategies.consensus.raft is a string", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task An_object_where_a_number_option_is_expected_is_an_error()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var path = folder.WriteConfig("""{ "strategies": { "consensus": { "raft": { "options": { "heartbeatIntervalTicks": { "value": 2 } } } } } }""");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains("strategies.consensus.raft.options: Option 'heartbeatIntervalTicks' is an object or array; expected an integer in 1..", err);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        using var folder = new TestPluginsFolder();
        var path = Path.Combine(folder.Root, "plugins.json");
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. """{ "plugins": { "SamplePlugin": { "enabled": false } } }"""u8]);

        var config = KernelConfig.Load(path, folder.Folder, [], NoEnvironment);

        Assert.False(config.IsPluginEnabled("SamplePlugin"));
    }

    [Fact]
    public async Task A_plugin_manifest_with_a_byte_order_mark_loads()
    {
        using var folder = new TestPluginsFolder();
        var plugin = folder.Add("SamplePlugin");
        var manifest = Path.Combine(plugin, "plugin.json");
        File.WriteAllBytes(manifest, [.. Encoding.UTF8.Preamble, .. File.ReadAllBytes(manifest)]);
        var path = folder.WriteConfig("{}");

        var (code, stdout, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        Assert.Contains("SamplePlugin 1.0.0  SDK [2.0.0, 3.0.0)  loaded", stdout + err);
    }

    [Fact]
    public void Environment_variables_outside_the_kernels_settings_are_ignored()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("{}");
        var environment = new Hashtable { ["KERNEL_VERSION"] = "6.1", ["KERNEL_plugins__SamplePlugin__enabled"] = "false", ["PATH"] = "/bin" };

        var config = KernelConfig.Load(path, folder.Folder, [], environment);

        Assert.Equal(["KERNEL_VERSION"], config.IgnoredEnvironment);
        Assert.False(config.IsPluginEnabled("SamplePlugin"));
    }

    [Fact]
    public void A_bad_value_from_the_environment_names_the_variable()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("""{ "plugins": { "SamplePlugin": { "enabled": true } } }""");
        var environment = new Hashtable { ["KERNEL_plugins__SamplePlugin__enabled"] = "maybe" };

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, folder.Folder, [], environment));

        Assert.Equal("environment variable KERNEL_plugins__SamplePlugin__enabled: plugins.SamplePlugin.enabled is 'maybe'; allowed values true, false.", ex.Message);
    }

    [Fact]
    public void A_scalar_from_the_environment_over_an_object_of_the_file_names_the_variable()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("""{ "plugins": { "SamplePlugin": { "enabled": true } } }""");
        var environment = new Hashtable { ["KERNEL_plugins"] = "SamplePlugin" };

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, folder.Folder, [], environment));

        Assert.StartsWith("environment variable KERNEL_plugins: plugins is 'SamplePlugin'; expected an object", ex.Message);
    }

    [Fact]
    public async Task A_bad_value_from_the_command_line_names_the_argument()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("{}");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder, "--plugins:SamplePlugin:enabled=maybe");

        Assert.Equal(2, code);
        Assert.Contains("error: command-line argument '--plugins:SamplePlugin:enabled=maybe': plugins.SamplePlugin.enabled is 'maybe'; allowed values true, false.", err);
        Assert.DoesNotContain(path, err);
    }

    [Fact]
    public async Task Disabling_a_plugin_disables_its_strategy_entries_and_says_so()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var path = folder.WriteConfig("""{ "plugins": { "UltimateConsensus": { "enabled": true } }, "strategies": { "consensus": { "raft": { "options": { "electionTimeoutMinTicks": 10 } } } } }""");

        var (code, stdout, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder, "--plugins:UltimateConsensus:enabled=false");

        Assert.Equal(0, code);
        Assert.Contains("UltimateConsensus 1.0.0  SDK [2.0.0, 3.0.0)  disabled", stdout);
        Assert.Contains("not checked, no loaded plugin offers them (plugins not loaded: UltimateConsensus): consensus/raft", stdout + err);

        var (jsonCode, json, _) = await RunCli("plugins", "--json", "--config", path, "--plugins-dir", folder.Folder, "--plugins:UltimateConsensus:enabled=false");
        Assert.Equal(0, jsonCode);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("consensus/raft", Assert.Single(doc.RootElement.GetProperty("uncheckedEntries").EnumerateArray()).GetString());
    }

    [Theory]
    [InlineData("--config", "")]
    [InlineData("--plugins-dir", "")]
    public async Task An_empty_path_is_bad_input(string option, string value)
    {
        var (code, _, err) = await RunCli("plugins", option, value);

        Assert.Equal(2, code);
        Assert.Contains($"error: {option} is empty", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task A_folder_given_as_the_configuration_file_is_bad_input()
    {
        using var folder = new TestPluginsFolder();

        var (code, _, err) = await RunCli("plugins", "--config", folder.Root);

        Assert.Equal(2, code);
        Assert.Contains("is a folder; give the path of a configuration file", err);
    }

    [Fact]
    public void An_empty_file_is_bad_input()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("  \n");

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, [], NoEnvironment));

        Assert.Contains("the file is empty", ex.Message);
    }

    [Fact]
    public async Task Twenty_thousand_entries_are_all_reported()
    {
        // Validation is linear in the entries (dictionary lookups, one pass); this many took 4.5 s when it was quadratic.
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var json = new StringBuilder("{ \"plugins\": {\n");
        for (var i = 0; i < 20_000; i++)
        {
            json.Append(System.Globalization.CultureInfo.InvariantCulture, $"  \"P{i}\": {{ \"enabled\": true }},\n");
        }

        var path = folder.WriteConfig(json.Append("} }").ToString());

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Equal(20_000, err.Split('\n').Count(l => l.Contains("names no plugin found", StringComparison.Ordinal)));
        Assert.Contains($"{path} line 20001: plugins.P19999 names no plugin found", err);
    }
}
