using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Timeout;
using UltimateResilience.Timeout;

namespace UltimateResilience.Tests.Timeout;

public sealed class AdaptiveTimeoutTests
{
    private static readonly (string, object)[] Settings =
        [("percentile", 0.9), ("factor", 2), ("minTimeoutMilliseconds", 20), ("maxTimeoutMilliseconds", 1000), ("windowSize", 100), ("minimumSamples", 10)];

    /// <summary>The synthetic latency model: 9 calls in 10 take <paramref name="fastMs"/>, the tenth <paramref name="slowMs"/>.</summary>
    private static IEnumerable<TimeSpan> Model(int calls, int fastMs, int slowMs) =>
        Enumerable.Range(0, calls).Select(i => TimeSpan.FromMilliseconds(i % 10 == 9 ? slowMs : fastMs));

    [Fact]
    public void The_timeout_is_the_percentile_times_the_factor_within_bounds_and_follows_latency_up_and_down()
    {
        var options = TestHost.Strategy<AdaptiveTimeoutStrategy>("timeout-adaptive").Bind(TestHost.Entry(Settings));
        var window = new LatencyWindow(options);
        Assert.Equal(TimeSpan.FromSeconds(1), window.Timeout); // no samples yet: the maximum

        var timeouts = new List<double>();
        foreach (var (fast, slow) in new[] { (40, 400), (300, 3000), (800, 3000), (5, 5) })
        {
            foreach (var duration in Model(100, fast, slow))
            {
                window.Record(duration);
            }

            timeouts.Add(window.Timeout.TotalMilliseconds);
        }

        // p90 = 40 ms -> 80; p90 = 300 -> 600; p90 = 800 -> 1600, held at the maximum; p90 = 5 -> 10, held at the minimum.
        Assert.Equal([80, 600, 1000, 20], timeouts);
    }

    [Fact]
    public async Task A_pipeline_times_out_at_the_learned_timeout()
    {
        var time = new FakeTimeProvider();
        var pipeline = TestHost.Pipeline(TestHost.Strategy<AdaptiveTimeoutStrategy>("timeout-adaptive"), time, null, Settings);
        foreach (var duration in Model(100, 40, 400))
        {
            pipeline.Execute(() => time.Advance(duration));
        }

        var running = pipeline.ExecuteAsync(async ct => await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct)).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(79));
        Assert.False(running.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<TimeoutRejectedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Bounds_the_wrong_way_round_are_an_error()
    {
        var errors = TestHost.Strategy<AdaptiveTimeoutStrategy>("timeout-adaptive")
            .ValidateOptions(TestHost.Options(("minTimeoutMilliseconds", 500), ("maxTimeoutMilliseconds", 100), ("windowSize", 10), ("minimumSamples", 11)));
        Assert.Equal(2, errors.Count);
    }
}
