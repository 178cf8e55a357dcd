using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

public sealed class SlidingWindowCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void Calls_older_than_the_window_no_longer_count()
    {
        var (pipeline, control) = Breakers.Build<SlidingWindowCircuitBreakerOptions>("sliding-window", _time, null,
            ("windowMilliseconds", 1000), ("buckets", 10), ("minimumCalls", 4), ("failureRatio", 0.5));
        pipeline.Fail();
        pipeline.Fail();
        pipeline.Fail();
        _time.Advance(TimeSpan.FromMilliseconds(1000)); // the three failures leave the window
        pipeline.Fail();
        pipeline.Succeed();
        pipeline.Succeed(); // 1 of 3 in the window, below the minimum
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Fail(); // 2 of 4
        Assert.Equal(CircuitState.Open, control.State);
        Assert.Contains("2 of 4 calls in the last 1000 ms failed", control.LastReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Calls_spread_over_the_window_all_count()
    {
        var (pipeline, control) = Breakers.Build<SlidingWindowCircuitBreakerOptions>("sliding-window", _time, null,
            ("windowMilliseconds", 1000), ("buckets", 10), ("minimumCalls", 4), ("failureRatio", 1));
        for (var i = 0; i < 3; i++)
        {
            pipeline.Fail();
            _time.Advance(TimeSpan.FromMilliseconds(300));
        }

        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Fail(); // at 900 ms: the first failure (at 0) is still in the window
        Assert.Equal(CircuitState.Open, control.State);
    }
}
