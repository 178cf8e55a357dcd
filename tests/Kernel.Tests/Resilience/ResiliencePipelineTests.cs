using Kernel.Host.Hosting;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Timeout;

namespace Kernel.Tests.Resilience;

/// <summary>Pipelines named in plugins.json, built from the ResiliencePlugin test plugin's strategies, fetched and executed.</summary>
public sealed class ResiliencePipelineTests
{
    internal const string Plugin = "ResiliencePlugin";

    internal static string Config(int shortRetries = 2, int longRetries = 4) => $$"""
        {
          "resilience": {
            "pipelines": {
              "short": { "strategies": [ { "strategy": "resilience/retry", "options": { "maxRetryAttempts": {{shortRetries}}, "handle": "any" } } ] },
              "long": { "strategies": [ { "strategy": "retry", "options": { "maxRetryAttempts": {{longRetries}}, "handle": ["any"] } } ] },
              "on-negative": { "strategies": [ { "strategy": "resilience/retry", "options": { "handle": ["negative-result"] } } ] },
              "fast": { "strategies": [ { "strategy": "resilience/timeout", "options": { "timeoutMilliseconds": 100 } } ] },
              "price": {
                "results": true,
                "strategies": [
                  { "strategy": "resilience/fallback", "options": { "value": "0", "handle": ["negative-result", "transient"] } }
                ]
              }
            }
          }
        }
        """;

    internal static async Task<(TestPluginsFolder Folder, KernelRuntime Runtime)> Start(string config, TimeProvider? time = null)
    {
        var folder = new TestPluginsFolder();
        folder.Add(Plugin);
        var runtime = folder.CreateRuntime(config, timeProvider: time);
        try
        {
            runtime.Start();
        }
        catch
        {
            await runtime.DisposeAsync();
            folder.Dispose();
            throw;
        }

        return (folder, runtime);
    }

    internal static int CallsUntilGivingUp(ResiliencePipeline pipeline)
    {
        var calls = 0;
        Assert.Throws<InvalidOperationException>(() => pipeline.Execute(() =>
        {
            calls++;
            throw new InvalidOperationException("down");
        }));
        return calls;
    }

    [Fact]
    public async Task Two_pipelines_of_the_same_strategy_retry_each_as_its_own_entry_says()
    {
        var (folder, runtime) = await Start(Config(shortRetries: 2, longRetries: 4));
        using var folderScope = folder;
        await using var runtimeScope = runtime;

        Assert.Equal(3, CallsUntilGivingUp(runtime.Resilience.Provider.GetPipeline("short")));
        Assert.Equal(5, CallsUntilGivingUp(runtime.Resilience.Provider.GetPipeline("LONG")));
        var status = Assert.Single(runtime.Resilience.Pipelines, p => p.Name == "short");
        Assert.Equal("active", status.State);
        Assert.Equal(["ResiliencePipeline"], status.Built);
    }

    [Fact]
    public async Task A_result_predicate_a_plugin_registered_decides_what_is_retried()
    {
        var (folder, runtime) = await Start(Config());
        using var folderScope = folder;
        await using var runtimeScope = runtime;

        var calls = 0;
        var result = runtime.Resilience.Provider.GetPipeline("on-negative").Execute(() => ++calls < 3 ? -1 : 5);
        Assert.Equal(5, result);
        Assert.Equal(3, calls);

        // The same pipeline fetched for int results: a predicate on results serves both.
        calls = 0;
        Assert.Equal(7, runtime.Resilience.Provider.GetPipeline<int>("on-negative").Execute(() => ++calls < 2 ? -3 : 7));
        Assert.Equal(2, calls);

        // An exception is no negative result: not retried.
        calls = 0;
        Assert.Throws<TimeoutException>(() => runtime.Resilience.Provider.GetPipeline("on-negative").Execute(() =>
        {
            calls++;
            throw new TimeoutException();
        }));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_timeout_fires_when_the_kernel_time_provider_passes_it()
    {
        var time = new FakeTimeProvider();
        var (folder, runtime) = await Start(Config(), time);
        using var folderScope = folder;
        await using var runtimeScope = runtime;
        var pipeline = runtime.Resilience.Provider.GetPipeline("fast");

        var running = pipeline.ExecuteAsync(async ct => await Task.Delay(Timeout.InfiniteTimeSpan, ct)).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_fallback_serves_pipelines_for_results_only()
    {
        var (folder, runtime) = await Start(Config());
        using var folderScope = folder;
        await using var runtimeScope = runtime;

        var price = runtime.Resilience.Provider.GetPipeline<int>("price");
        Assert.Equal(0, price.Execute(() => -5));
        Assert.Equal(7, price.Execute(() => 7));
        Assert.Equal(0, price.Execute<int>(() => throw new HttpRequestException("reset")));
        Assert.Throws<InvalidOperationException>(() => price.Execute<int>(() => throw new InvalidOperationException("not transient")));

        var ex = Assert.Throws<KeyNotFoundException>(() => runtime.Resilience.Provider.GetPipeline("price"));
        Assert.Contains("resilience pipeline 'price' is for results (\"results\": true, ", ex.Message);
        Assert.Contains("fetch it with GetPipeline<TResult>(\"price\")", ex.Message);
        Assert.False(runtime.Resilience.Provider.TryGetPipeline("price", out ResiliencePipeline? none));
        Assert.Null(none);
    }

    [Fact]
    public async Task A_name_not_configured_is_not_found_and_the_message_lists_the_pipelines()
    {
        var (folder, runtime) = await Start(Config());
        using var folderScope = folder;
        await using var runtimeScope = runtime;

        var ex = Assert.Throws<KeyNotFoundException>(() => runtime.Resilience.Provider.GetPipeline<string>("nope"));
        Assert.Equal("no resilience pipeline 'nope' in the configuration; pipelines: fast, long, on-negative, price, short.", ex.Message);
    }

    [Fact]
    public async Task Plugins_reach_the_pipelines_through_their_context()
    {
        var (folder, runtime) = await Start(Config());
        using var folderScope = folder;
        await using var runtimeScope = runtime;

        var host = runtime.Resilience.HostFor("someone");
        Assert.Same(runtime.Resilience.Provider, host.Pipelines);
        Assert.Equal(3, CallsUntilGivingUp(host.Pipelines.GetPipeline("short")));
    }
}
