using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;

namespace MyPlugin.Tests;

public sealed class ConstantRetryTests
{
    private readonly ConstantRetry _strategy = new();

    [Fact]
    public void A_call_that_keeps_failing_is_tried_once_plus_each_retry_then_its_error_surfaces()
    {
        var pipeline = Build(("maxRetryAttempts", "2"), ("delayMilliseconds", "0"));
        var calls = 0;
        var error = Assert.Throws<InvalidOperationException>(() => pipeline.Execute(() =>
        {
            calls++;
            throw new InvalidOperationException("down");
        }));
        Assert.Equal("down", error.Message);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void A_call_that_recovers_returns_its_result()
    {
        var pipeline = Build(("maxRetryAttempts", "5"), ("delayMilliseconds", "0"));
        var calls = 0;
        var result = pipeline.Execute(() => ++calls < 3 ? throw new TimeoutException() : "ok");
        Assert.Equal("ok", result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void Valid_options_give_no_errors()
    {
        Assert.Empty(_strategy.ValidateOptions(Options()));
        Assert.Empty(_strategy.ValidateOptions(Options(("maxRetryAttempts", "100"), ("delayMilliseconds", "0"))));
    }

    [Fact]
    public void Invalid_options_are_named_with_their_range()
    {
        var errors = _strategy.ValidateOptions(Options(("maxRetryAttempts", "0"), ("delayMilliseconds", "soon"), ("jitter", "true")));
        Assert.Equal(3, errors.Count);
        Assert.Contains("Option 'maxRetryAttempts' is 0; allowed range 1..100.", errors);
        Assert.Contains("Option 'delayMilliseconds' is 'soon', which is not an integer; allowed range 0..60000.", errors);
        Assert.Contains("Option 'jitter' is not known; known options: delayMilliseconds, maxRetryAttempts.", errors);
        Assert.Throws<StrategyOptionsException>(() => Build(("maxRetryAttempts", "0")));
    }

    private ResiliencePipeline Build(params (string Key, string Value)[] options)
    {
        var builder = new ResiliencePipelineBuilder();
        _strategy.AddTo(builder, new ResilienceEntry("test", 0, Options(options)));
        return builder.Build();
    }

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
