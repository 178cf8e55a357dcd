using Kernel.Host.Hosting;
using static Kernel.Tests.Resilience.ResiliencePipelineTests;

namespace Kernel.Tests.Resilience;

/// <summary>Pipelines follow plugins.json and their plugins: rebuilt in place on a good change, kept on a bad one.</summary>
public sealed class PipelineReloadTests
{
    [Fact]
    public async Task A_changed_file_rebuilds_the_pipeline_instances_already_fetched()
    {
        var (folder, runtime) = await Start(Config(shortRetries: 2));
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        var held = runtime.Resilience.Provider.GetPipeline("short");
        var heldForInts = runtime.Resilience.Provider.GetPipeline<int>("short");
        Assert.Equal(3, CallsUntilGivingUp(held));

        folder.WriteConfig(Config(shortRetries: 5));
        Assert.Empty(runtime.ReloadConfiguration());

        Assert.Equal(6, CallsUntilGivingUp(held));
        Assert.Equal(6, CallsUntilGivingUp(runtime.Resilience.Provider.GetPipeline("short")));
        var calls = 0;
        Assert.Throws<InvalidOperationException>(() => heldForInts.Execute<int>(() => { calls++; throw new InvalidOperationException(); }));
        Assert.Equal(6, calls);

        // "long" did not change: not rebuilt.
        var builds = Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "short").Builds;
        Assert.Equal(4, builds); // two first fetches, two reloads
    }

    [Fact]
    public async Task A_pipeline_whose_configuration_became_invalid_keeps_its_last_good_build()
    {
        var (folder, runtime) = await Start(Config(shortRetries: 2));
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        var held = runtime.Resilience.Provider.GetPipeline("short");

        var path = folder.WriteConfig(Config(shortRetries: 0));
        var problems = runtime.ReloadConfiguration();

        var problem = Assert.Single(problems);
        Assert.Equal($"{path} line 4: resilience.pipelines.short.strategies[0] (resilience/retry).options: Option 'maxRetryAttempts' is 0; allowed range 1..100.", problem);
        Assert.Equal(3, CallsUntilGivingUp(held));
        Assert.Equal(3, CallsUntilGivingUp(runtime.Resilience.Provider.GetPipeline("short")));
        var status = Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "short");
        Assert.Equal("stale", status.State);
        Assert.Equal([problem], status.Problems);
        Assert.Equal("active", Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "long").State);

        folder.WriteConfig(Config(shortRetries: 3));
        Assert.Empty(runtime.ReloadConfiguration());
        Assert.Equal(4, CallsUntilGivingUp(held));
        Assert.Equal("active", Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "short").State);
    }

    [Fact]
    public async Task A_file_that_no_longer_reads_changes_nothing()
    {
        var (folder, runtime) = await Start(Config(shortRetries: 2));
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        var held = runtime.Resilience.Provider.GetPipeline("short");

        var path = folder.WriteConfig("{ \"resilience\": ");
        var problem = Assert.Single(runtime.ReloadConfiguration());

        Assert.StartsWith($"{path}: malformed JSON at line 1", problem);
        Assert.Equal(3, CallsUntilGivingUp(held));
    }

    [Fact]
    public async Task A_pipeline_removed_from_the_file_can_no_longer_be_fetched_but_held_instances_keep_working()
    {
        var (folder, runtime) = await Start(Config(shortRetries: 2));
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        var held = runtime.Resilience.Provider.GetPipeline("short");

        folder.WriteConfig("""{ "resilience": { "pipelines": { "fast": { "strategies": [] } } } }""");
        Assert.Empty(runtime.ReloadConfiguration());

        Assert.False(runtime.Resilience.Provider.TryGetPipeline("short", out _));
        Assert.Equal(3, CallsUntilGivingUp(held));
        Assert.Equal(["fast"], runtime.Resilience.Pipelines.Select(p => p.Name));
    }

    [Fact]
    public async Task A_built_pipeline_holds_its_plugin_so_unloading_it_is_refused_with_the_pipeline_named()
    {
        var (folder, runtime) = await Start(Config());
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        var held = runtime.Resilience.Provider.GetPipeline("short");

        var refused = await runtime.Plugins.UnloadAsync(Plugin);
        Assert.NotNull(refused);
        Assert.Contains("in use by", refused, StringComparison.Ordinal);
        Assert.Contains("resilience pipeline 'short'", refused, StringComparison.Ordinal);
        Assert.Contains(("negative-result", Plugin), runtime.Resilience.Predicates.All);
        Assert.Equal(3, CallsUntilGivingUp(held)); // the plugin's code is still there to run
    }

    [Fact]
    public async Task The_predicate_a_plugin_registered_leaves_with_it_and_comes_back_when_it_is_loaded_again()
    {
        // No pipeline was built, so nothing holds the plugin.
        var (folder, runtime) = await Start(Config());
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        Assert.Contains(("negative-result", Plugin), runtime.Resilience.Predicates.All);

        Assert.True(runtime.Plugins.Unload(Plugin));

        Assert.DoesNotContain(runtime.Resilience.Predicates.All, p => p.Name == "negative-result");
        Assert.Equal(["any", "timeout", "transient"], runtime.Resilience.Predicates.All.Select(p => p.Name));
        var status = Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "short");
        Assert.Contains("names a strategy no loaded plugin offers: resilience.pipelines.short (resilience/retry)", status.Problems);

        runtime.Plugins.Reload(Plugin);
        Assert.Contains(("negative-result", Plugin), runtime.Resilience.Predicates.All);
        status = Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "short");
        Assert.Equal("active", status.State);
        Assert.Equal(3, CallsUntilGivingUp(runtime.Resilience.Provider.GetPipeline("short")));
    }

    [Fact]
    public async Task The_watcher_reports_a_change_of_the_file()
    {
        using var folder = new TestPluginsFolder();
        var path = folder.WriteConfig("{}");
        using var changed = new SemaphoreSlim(0);
        using var watcher = new ConfigWatcher(path, () => changed.Release());

        File.WriteAllText(path, """{ "resilience": {} }""");

        Assert.True(await changed.WaitAsync(TimeSpan.FromSeconds(30)), "no reload within 30 s of the change");
    }
}
