using Kernel.Host.Configuration;

namespace Kernel.Tests.Configuration;

/// <summary>Named instances (<c>"strategy": "NAME"</c>) and references between strategies, checked when plugins.json is validated.</summary>
public sealed class StrategyInstanceConfigTests
{
    private static string Start(TestPluginsFolder folder, string config, out string path)
    {
        folder.Add("SamplePlugin");
        folder.Add("CompositePlugin");
        path = folder.WriteConfig(config);
        var runtime = folder.CreateRuntime(config);
        try
        {
            var error = Assert.Throws<ConfigurationException>(runtime.Start);
            return error.Message;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Fact]
    public void An_unknown_reference_is_rejected_with_the_names_that_exist()
    {
        using var folder = new TestPluginsFolder();
        var message = Start(folder, """
            {
              "strategies": {
                "conflict": {
                  "lww-siblings": { "strategy": "sample-lww", "options": { "tieBreak": "none" } },
                  "delegating": { "options": {
                    "resolver": "conflict/nope" } }
                }
              }
            }
            """, out var path);

        Assert.Equal(
            $"{path} line 6: strategies.conflict.delegating.options: option 'resolver' names conflict/nope, which does not exist; conflict strategies and instances: delegating, lww-siblings, sample-lww.",
            message);
    }

    [Fact]
    public void A_reference_cycle_is_rejected()
    {
        using var folder = new TestPluginsFolder();
        var message = Start(folder, """
            { "strategies": { "conflict": {
              "delegating": { "options": { "resolver": "conflict/back" } },
              "back": { "strategy": "delegating", "options": { "resolver": "delegating" } } } } }
            """, out var path);

        Assert.Equal($"{path} line 3: strategies.conflict.back.options: reference cycle conflict/back -> conflict/delegating -> conflict/back; an instance cannot depend on itself.", message);
    }

    [Fact]
    public void A_named_instance_of_an_unknown_strategy_or_with_bad_options_is_rejected()
    {
        using var folder = new TestPluginsFolder();
        var message = Start(folder, """
            { "strategies": { "conflict": {
              "lww-a": { "strategy": "sample-lwx" },
              "lww-b": { "strategy": "sample-lww", "options": { "tieBreak": "coin" } },
              "sample-lww": { "strategy": "delegating" } } } }
            """, out var path);

        Assert.Contains($"{path} line 2: strategies.conflict.lww-a.strategy names no registered strategy 'sample-lwx'; conflict strategies: delegating, sample-lww.", message);
        Assert.Contains($"{path} line 3: strategies.conflict.lww-b.options: Option 'tieBreak' is 'coin'; allowed values replica-id, none.", message);
        Assert.Contains($"{path} line 4: strategies.conflict.sample-lww is the name of a registered strategy, so it cannot be an instance of delegating; give the instance a name of its own.", message);
    }

    [Theory]
    [InlineData("""{"strategies":{"conflict":{"x":{"strategy":3}}}}""", "line 1: strategies.conflict.x.strategy is a number (3); expected the name of a registered strategy of the same category (lower-case letters, digits and '-', starting with a letter).")]
    [InlineData("""{"strategies":{"conflict":{"Bad Name":{"strategy":"sample-lww"}}}}""", "line 1: strategies.conflict.Bad Name: instance name 'Bad Name' is invalid; use lower-case letters, digits and '-', starting with a letter.")]
    [InlineData("""{"strategies":{"conflict":{"x":{"strategy":"sample-lww","colour":1}}}}""", "line 1: strategies.conflict.x: unknown setting 'colour'; allowed: strategy, enabled, options.")]
    public void A_malformed_instance_entry_is_a_shape_error(string json, string expected)
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig(json);
        var error = Assert.Throws<ConfigurationException>(() => KernelConfig.Load(path, folder.Folder, [], new System.Collections.Hashtable()));
        Assert.Contains($"{path} {expected}", error.Message, StringComparison.Ordinal);
    }
}
