using System.Collections;
using Kernel.Host.Configuration;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Configuration;

/// <summary>The resilience section: shape at load, strategies, predicates and options once plugins are loaded; every problem at once, each with its line.</summary>
public sealed class ResilienceConfigTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();

    [Theory]
    [InlineData("""{"resilience":[]}""", "line 1: resilience is an array; expected an object { \"pipelines\": { NAME: ")]
    [InlineData("""{"resilience":{"pipeline":{}}}""", "line 1: resilience: unknown setting 'pipeline'; allowed: pipelines.")]
    [InlineData("""{"resilience":{"pipelines":{"a":[]}}}""", "line 1: resilience.pipelines.a is an array; expected { \"results\": true|false, \"strategies\": [")]
    [InlineData("""{"resilience":{"pipelines":{"a":{}}}}""", "line 1: resilience.pipelines.a has no \"strategies\"; expected {")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":"retry"}}}}""", "line 1: resilience.pipelines.a.strategies is a string (\"retry\"); expected an array of { \"strategy\": \"resilience/NAME\", \"options\": { ... } }.")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":["retry"]}}}}""", "line 1: resilience.pipelines.a.strategies[0] is a string (\"retry\"); expected { \"strategy\": \"resilience/NAME\", \"options\": { ... } }.")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":[{"options":{}}]}}}}""", "line 1: resilience.pipelines.a.strategies[0] has no \"strategy\"; expected")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":[{"strategy":3}]}}}}""", "line 1: resilience.pipelines.a.strategies[0].strategy is a number (3); expected the name of a resilience strategy, as resilience/NAME.")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":[{"strategy":"retry","option":{}}]}}}}""", "line 1: resilience.pipelines.a.strategies[0]: unknown setting 'option'; allowed: strategy, options.")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":[{"strategy":"retry","options":[1]}]}}}}""", "line 1: resilience.pipelines.a.strategies[0].options is an array; expected an object of option names and values.")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"results":"yes","strategies":[]}}}}""", "line 1: resilience.pipelines.a.results is a string (\"yes\"); allowed values true (code fetches the pipeline with GetPipeline<TResult>), false.")]
    [InlineData("""{"resilience":{"pipelines":{"a":{"strategies":[],"kind":"x"}}}}""", "line 1: resilience.pipelines.a: unknown setting 'kind'; allowed: results, strategies.")]
    public void A_malformed_section_is_an_error_naming_the_path_what_is_allowed_and_the_line(string json, string expected)
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig(json);

        var ex = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, null, [], NoEnvironment));

        Assert.Contains(path + " " + expected, ex.Message);
    }

    [Fact]
    public async Task Unknown_strategies_and_predicates_bad_options_and_a_fallback_without_results_are_reported_at_once()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("ResiliencePlugin");
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("""
            {
              "resilience": {
                "pipelines": {
                  "a": {
                    "strategies": [
                      { "strategy": "resilience/breaker" },
                      { "strategy": "conflict/sample-lww" },
                      { "strategy": "retry", "options": { "handle": ["transient", "flaky"] } },
                      { "strategy": "retry", "options": {
                          "maxRetryAttempts": 101,
                          "jitter": true } },
                      { "strategy": "resilience/fallback", "options": { "value": "0" } }
                    ]
                  },
                  "b": { "strategies": [ { "strategy": "timeout", "options": { "timeoutMilliseconds": "soon" } } ] }
                }
              }
            }
            """);

        var (code, _, err) = await RunCli("pipelines", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        var strategies = "resilience strategies: resilience/fallback, resilience/retry, resilience/timeout.";
        Assert.Contains($"error: {path} line 6: resilience.pipelines.a.strategies[0].strategy 'resilience/breaker' names no registered strategy; {strategies}", err);
        Assert.Contains($"error: {path} line 7: resilience.pipelines.a.strategies[1].strategy 'conflict/sample-lww' is not a resilience strategy; {strategies}", err);
        Assert.Contains($"error: {path} line 8: resilience.pipelines.a.strategies[2] (resilience/retry).options: Option 'handle' names predicate 'flaky', which does not exist; predicates: any, negative-result, timeout, transient.", err);
        Assert.Contains($"error: {path} line 10: resilience.pipelines.a.strategies[3] (resilience/retry).options: Option 'maxRetryAttempts' is 101; allowed range 1..100.", err);
        Assert.Contains($"error: {path} line 11: resilience.pipelines.a.strategies[3] (resilience/retry).options: Option 'jitter' is not known; known options: backoff, delayMilliseconds, handle, maxRetryAttempts.", err);
        Assert.Contains($"error: {path} line 12: resilience.pipelines.a.strategies[4]: resilience/fallback works only on results; mark the pipeline \"results\": true (code then fetches it with GetPipeline<TResult>), or remove the entry.", err);
        Assert.Contains($"error: {path} line 15: resilience.pipelines.b.strategies[0] (resilience/timeout).options: Option 'timeoutMilliseconds' is 'soon', which is not an integer; allowed range 1..3600000.", err);
        Assert.Equal(7, err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task A_pipeline_naming_a_strategy_of_a_plugin_not_loaded_is_unavailable_not_an_error()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("ResiliencePlugin");
        var path = folder.WriteConfig("""
            {
              "plugins": { "ResiliencePlugin": { "enabled": false } },
              "resilience": { "pipelines": { "a": { "strategies": [ { "strategy": "resilience/retry" } ] } } }
            }
            """);

        var (code, output, err) = await RunCli("pipelines", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        Assert.Contains("warning: not checked, no loaded plugin offers them (plugins not loaded: ResiliencePlugin): resilience.pipelines.a (resilience/retry)", err);
        Assert.Contains("  a  unavailable", output);
    }

    [Fact]
    public async Task Environment_variables_and_the_command_line_can_set_entries_and_options()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("ResiliencePlugin");
        var path = folder.WriteConfig("""{ "resilience": { "pipelines": { "a": { "strategies": [ { "strategy": "retry" } ] } } } }""");

        var (code, _, err) = await RunCli("pipelines", "--config", path, "--plugins-dir", folder.Folder, "--resilience:pipelines:a:strategies:0:options:maxRetryAttempts=0");

        Assert.Equal(2, code);
        Assert.Contains("error: command-line argument '--resilience:pipelines:a:strategies:0:options:maxRetryAttempts=0': resilience.pipelines.a.strategies[0] (resilience/retry).options: Option 'maxRetryAttempts' is 0; allowed range 1..100.", err);
    }
}
