using UltimateResilience.Bulkhead;

namespace UltimateResilience.Tests.Bulkhead;

/// <summary>The limit algorithms on a synthetic server: RTT is 10 ms up to its capacity, and grows with the queue beyond it.</summary>
public sealed class AdaptiveBulkheadTests
{
    private static TimeSpan Rtt(int inflight, int capacity) =>
        TimeSpan.FromMilliseconds(inflight <= capacity ? 10 : 10.0 * inflight / capacity);

    /// <summary>Closed-loop load that always fills the limit; returns the limit after <paramref name="samples"/>.</summary>
    private static double Drive(ILimitAlgorithm algorithm, int capacity, int samples)
    {
        for (var i = 0; i < samples; i++)
        {
            var inflight = Math.Max(1, (int)algorithm.Limit);
            algorithm.Sample(Rtt(inflight, capacity), inflight, dropped: false);
        }

        return algorithm.Limit;
    }

    public static TheoryData<string> Algorithms => ["aimd", "vegas", "gradient2"];

    /// <summary>
    /// AIMD and Vegas hold their limit under sustained load; Gradient2's long-term RTT follows sustained queueing over its
    /// 600-sample window (as Netflix's does), so it is checked within a quarter of that window.
    /// </summary>
    public static TheoryData<string, int> Convergence => new() { { "aimd", 5000 }, { "vegas", 5000 }, { "gradient2", 150 } };

    [Theory]
    [MemberData(nameof(Convergence))]
    public void The_limit_converges_near_the_capacity_and_backs_off_when_latency_rises(string name, int samples)
    {
        var options = new AdaptiveBulkheadOptions { Algorithm = name, InitialLimit = 5, MaxLimit = 1000, AimdTimeout = TimeSpan.FromMilliseconds(15) };
        var algorithm = options.CreateAlgorithm();

        var atFifty = Drive(algorithm, capacity: 50, samples);
        Assert.InRange(atFifty, 40, 120);

        // The server slows down (capacity 20 now): latency rises at the old limit and the limit falls.
        var atTwenty = Drive(algorithm, capacity: 20, samples);
        Assert.True(atTwenty < 0.75 * atFifty, $"{name}: {atTwenty} after the slowdown, {atFifty} before");
        if (name != "gradient2")
        {
            Assert.InRange(atTwenty, 15, 50);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Drops_lower_the_limit_and_it_stays_within_its_bounds(string name)
    {
        var options = new AdaptiveBulkheadOptions { Algorithm = name, InitialLimit = 100, MinLimit = 10, MaxLimit = 200 };
        var algorithm = options.CreateAlgorithm();
        for (var i = 0; i < 1000; i++)
        {
            algorithm.Sample(TimeSpan.FromMilliseconds(10), (int)algorithm.Limit, dropped: name != "gradient2");
        }

        Assert.InRange(algorithm.Limit, 10, 200);
        if (name != "gradient2")
        {
            Assert.Equal(10, algorithm.Limit, 0.5);
        }
    }

    [Fact]
    public async Task The_bulkhead_rejects_calls_over_its_limit()
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<AdaptiveBulkheadStrategy>("bulkhead-adaptive"), TimeProvider.System, null,
            ("algorithm", "aimd"), ("initialLimit", 2), ("minLimit", 1), ("maxLimit", 2));
        var held = new HeldCalls();
        var running = new[] { held.Start(pipeline), held.Start(pipeline) };
        var rejected = await Assert.ThrowsAsync<BulkheadRejectedException>(() => held.Start(pipeline));
        Assert.Contains("at the aimd limit of 2", rejected.Reason, StringComparison.Ordinal);
        held.Release();
        await Task.WhenAll(running);
    }
}
