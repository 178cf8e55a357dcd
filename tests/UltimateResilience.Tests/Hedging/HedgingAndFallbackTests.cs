using Polly;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;
using UltimateResilience.Fallback;
using UltimateResilience.Hedging;

namespace UltimateResilience.Tests.Hedging;

/// <summary>The thin wrappers over Polly's hedging, fallback and failure-ratio breaker, as configured from entries.</summary>
public sealed class HedgingAndFallbackTests
{
    private static ResiliencePipeline<int> Results(Kernel.Sdk.Resilience.IResilienceStrategy strategy, params (string, object)[] options)
    {
        var builder = new ResiliencePipelineBuilder<int>();
        strategy.AddTo(builder, TestHost.Entry(options));
        return builder.Build();
    }

    [Fact]
    public void Hedging_after_a_failure_answers_with_the_next_attempt()
    {
        var pipeline = Results(TestHost.Strategy<HedgingStrategy>("hedging"), ("maxHedgedAttempts", 2), ("delayMilliseconds", -1));
        var calls = 0;
        Assert.Equal(7, pipeline.Execute(() => Interlocked.Increment(ref calls) == 1 ? throw new IOException("first") : 7));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Fallback_replaces_a_handled_outcome_with_the_configured_value()
    {
        var pipeline = Results(TestHost.Strategy<FallbackStrategy>("fallback"), ("value", "42"), ("handle:0", "negative"), ("handle:1", "any"));
        Assert.Equal(42, pipeline.Execute(static () => -1));
        Assert.Equal(42, pipeline.Execute(static int () => throw new IOException("down")));
        Assert.Equal(3, pipeline.Execute(static () => 3));
        Assert.Throws<NotSupportedException>(() => TestHost.Strategy<FallbackStrategy>("fallback").AddTo(new ResiliencePipelineBuilder(), TestHost.Entry()));
    }

    [Fact]
    public void The_failure_ratio_breaker_is_pollys_with_the_entry_options()
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<FailureRatioCircuitBreakerStrategy>("breaker-failure-ratio"), TimeProvider.System, null,
            ("minimumThroughput", 2), ("failureRatio", 0.5));
        Assert.Throws<IOException>(() => pipeline.Execute(static () => throw new IOException("down")));
        Assert.Throws<IOException>(() => pipeline.Execute(static () => throw new IOException("down")));
        Assert.Throws<BrokenCircuitException>(() => pipeline.Execute(static () => { }));
    }
}
