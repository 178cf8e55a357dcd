using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

public sealed class CountBasedCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Opens_once_the_minimum_of_calls_is_reached_and_the_failed_share_reaches_the_ratio()
    {
        var (pipeline, control) = Breakers.Build<CountBasedCircuitBreakerOptions>("count-based", _time, null,
            ("windowSize", 4), ("minimumCalls", 3), ("failureRatio", 0.5));
        pipeline.Fail();    // 1 of 1, below the minimum
        pipeline.Succeed(); // 1 of 2, below the minimum
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Fail();    // 2 of 3
        Assert.Equal(CircuitState.Open, control.State);
        Assert.Contains("2 of the last 3 calls failed", pipeline.Rejected().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_last_window_size_calls_count()
    {
        var (pipeline, control) = Breakers.Build<CountBasedCircuitBreakerOptions>("count-based", _time, null,
            ("windowSize", 4), ("minimumCalls", 4), ("failureRatio", 0.5));
        pipeline.Fail();
        for (var i = 0; i < 4; i++)
        {
            pipeline.Succeed(); // the failure leaves the window with the fourth
        }

        pipeline.Fail(); // S S S F: 1 of 4
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Fail(); // S S F F: 2 of 4
        Assert.Equal(CircuitState.Open, control.State);
    }

    [Fact]
    public void Below_the_ratio_it_stays_closed_however_many_calls_fail()
    {
        var (pipeline, control) = Breakers.Build<CountBasedCircuitBreakerOptions>("count-based", _time, null,
            ("windowSize", 10), ("minimumCalls", 10), ("failureRatio", 0.5));
        for (var i = 0; i < 100; i++)
        {
            if (i % 3 == 0)
            {
                pipeline.Fail();
            }
            else
            {
                pipeline.Succeed();
            }
        }

        Assert.Equal(CircuitState.Closed, control.State);
    }

    [Fact]
    public void Minimum_calls_above_the_window_size_is_an_error()
    {
        var strategy = TestHost.Strategy<CircuitBreakerStrategy<CountBasedCircuitBreakerOptions>>("breaker-count-based");
        var error = Assert.Single(strategy.ValidateOptions(TestHost.Options(("windowSize", 5), ("minimumCalls", 6))));
        Assert.Contains("'minimumCalls' is 6", error, StringComparison.Ordinal);
    }
}
