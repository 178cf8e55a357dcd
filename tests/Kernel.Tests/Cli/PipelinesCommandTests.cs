using System.Text.Json;
using Kernel.Tests.Resilience;
using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Cli;

public sealed class PipelinesCommandTests
{
    [Fact]
    public async Task Pipelines_lists_each_pipeline_with_its_entries_and_state()
    {
        using var folder = new TestPluginsFolder();
        folder.Add(ResiliencePipelineTests.Plugin);
        var path = folder.WriteConfig(ResiliencePipelineTests.Config(shortRetries: 2));

        var (code, output, err) = await RunCli("pipelines", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, err);
        Assert.Contains($"  short  active  ({path} line 4)", output);
        Assert.Contains("    [0] resilience/retry (ResiliencePlugin)  maxRetryAttempts=2, handle=any", output);
        Assert.Contains($"  price  active  results  ({path} line 8)", output);
        Assert.Contains("    [0] resilience/fallback (ResiliencePlugin)  value=0, handle:0=negative-result, handle:1=transient", output);
        Assert.Contains("Predicates for \"handle\": any, negative-result (ResiliencePlugin), timeout, transient", output);
    }

    [Fact]
    public async Task Pipelines_json_is_one_object_with_pipelines_and_predicates()
    {
        using var folder = new TestPluginsFolder();
        folder.Add(ResiliencePipelineTests.Plugin);
        var path = folder.WriteConfig(ResiliencePipelineTests.Config());

        var (code, output, _) = await RunCli("pipelines", "--json", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var pipelines = doc.RootElement.GetProperty("pipelines").EnumerateArray().ToArray();
        Assert.Equal(["fast", "long", "on-negative", "price", "short"], pipelines.Select(p => p.GetProperty("name").GetString()));
        var price = pipelines.Single(p => p.GetProperty("name").GetString() == "price");
        Assert.Equal("active", price.GetProperty("state").GetString());
        Assert.True(price.GetProperty("results").GetBoolean());
        Assert.Equal("resilience/fallback", price.GetProperty("strategies")[0].GetProperty("strategy").GetString());
        Assert.Equal(0, price.GetProperty("problems").GetArrayLength());
        Assert.Contains(doc.RootElement.GetProperty("predicates").EnumerateArray(), p => p.GetProperty("name").GetString() == "negative-result" && p.GetProperty("owner").GetString() == "ResiliencePlugin");
    }

    [Fact]
    public async Task Pipelines_without_a_section_says_so()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("{}");

        var (code, output, _) = await RunCli("pipelines", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(0, code);
        Assert.Contains("No resilience pipelines configured", output);
    }
}
