using static Kernel.Tests.Cli.KernelProcess;
using Kernel.Host.Configuration;

namespace Kernel.Tests.Configuration;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Malformed_json_names_the_file_line_and_column_and_exits_non_zero()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("{\n  \"plugins\": {\n    \"SamplePlugin\": { \"enabled\": tru }\n  }\n}");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"{path}: malformed JSON at line 3, column", err);
        Assert.DoesNotContain("   at ", err); // a message, not a stack trace
    }

    [Fact]
    public async Task An_unknown_plugin_names_the_plugins_that_exist()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        folder.Add("ThrowingPlugin");
        var path = folder.WriteConfig("""{ "plugins": { "NoSuchPlugin": { "enabled": true } } }""");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"{path} line 1: plugins.NoSuchPlugin names no plugin found in", err);
        Assert.Contains("found: SamplePlugin, ThrowingPlugin.", err);
    }

    [Fact]
    public async Task An_unknown_strategy_names_the_strategies_that_exist()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("""{ "strategies": { "conflict": { "sample-lwx": { "enabled": true } } } }""");

        var (code, _, err) = await RunCli("strategies", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"{path} line 1: strategies.conflict.sample-lwx names no registered strategy; conflict strategies: sample-lww.", err);
    }

    [Fact]
    public async Task An_unknown_category_names_the_categories()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("""{ "strategies": { "consensos": { "raft": { } } } }""");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"{path} line 1: strategies.consensos is not a category; categories: consensus, replication, conflict, crdt, resilience.", err);
    }

    [Fact]
    public async Task An_invalid_option_names_the_option_and_what_is_allowed()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("""{ "strategies": { "conflict": { "sample-lww": { "options": { "tieBreak": "coin" } } } } }""");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"{path} line 1: strategies.conflict.sample-lww.options: Option 'tieBreak' is 'coin'; allowed values replica-id, none.", err);
    }

    [Fact]
    public async Task An_option_out_of_range_names_the_option_and_the_range()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("UltimateConsensus");
        var path = folder.WriteConfig("""{ "strategies": { "consensus": { "raft": { "options": { "heartbeatIntervalTicks": 0 } } } } }""");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains("strategies.consensus.raft.options: Option 'heartbeatIntervalTicks' is 0; allowed range", err);
    }

    [Fact]
    public async Task Command_line_overrides_bind_the_standard_way()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("{}");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder, "--strategies:conflict:sample-lww:options:tieBreak=coin");

        Assert.Equal(2, code);
        Assert.Contains("command-line argument '--strategies:conflict:sample-lww:options:tieBreak=coin': strategies.conflict.sample-lww.options: Option 'tieBreak' is 'coin'", err);
    }

    [Fact]
    public async Task A_mistyped_command_line_option_is_named_as_such()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("{}");

        var (code, _, err) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder, "--jsn");

        Assert.Equal(2, code);
        Assert.Contains("command line: '--jsn' is neither an option of this verb (see --help) nor a configuration override", err);

        var (code2, _, err2) = await RunCli("plugins", "--config", path, "--plugins-dir", folder.Folder, "--first-seed", "3");
        Assert.Equal(2, code2);
        Assert.Contains("command line: '--first-seed' is neither an option of this verb", err2);
    }

    [Fact]
    public void Environment_variables_override_the_file()
    {
        using var folder = new TestPluginsFolder();
        // The process's own environment is read here, and tests run in parallel in one process: the variable names a
        // plugin no other test has, so no other test's kernel sees it (one naming SamplePlugin once disabled it in them).
        var path = folder.WriteConfig("""{ "plugins": { "EnvironmentOnlyPlugin": { "enabled": true } } }""");
        const string name = "KERNEL_plugins__EnvironmentOnlyPlugin__enabled";
        Environment.SetEnvironmentVariable(name, "false");
        try
        {
            var config = KernelConfig.Load(path, folder.Folder, []);
            Assert.False(config.IsPluginEnabled("EnvironmentOnlyPlugin"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Unknown_settings_are_rejected_with_the_allowed_ones()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("""{ "pluginFolder": "x", "plugins": { "A": { "enable": true } } }""");

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, []));

        Assert.Contains($"{path} line 1: unknown setting 'pluginFolder'; allowed: pluginsFolder, plugins, strategies, registerTimeoutSeconds, resilience, cluster.", ex.Message);
        Assert.Contains($"{path} line 1: plugins.A: unknown setting 'enable'; allowed: enabled.", ex.Message);
    }

    [Fact]
    public void A_missing_configuration_file_is_named()
    {
        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load("/nonexistent/plugins.json", null, []));
        Assert.Equal("Configuration file /nonexistent/plugins.json does not exist.", ex.Message);
    }

    [Fact]
    public void A_relative_plugins_folder_is_relative_to_the_configuration_file()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("""{ "pluginsFolder": "my-plugins" }""");
        var config = KernelConfig.Load(path, null, []);
        Assert.Equal(Path.Combine(folder.Root, "my-plugins"), config.PluginsFolder);
    }
}
