using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

public sealed class AdaptiveCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    private (Polly.ResiliencePipeline Pipeline, CircuitControl Control) Build() =>
        Breakers.Build<AdaptiveCircuitBreakerOptions>("adaptive", _time, null,
            ("windowSize", 10), ("minimumCalls", 4), ("failureRatio", 0.5), ("targetLatencyMilliseconds", 100), ("minimumScale", 0.25), ("smoothing", 1));

    [Fact]
    public void On_target_latency_one_failure_in_four_keeps_it_closed()
    {
        var (pipeline, control) = Build();
        for (var i = 0; i < 3; i++)
        {
            pipeline.SucceedSlowly(_time, TimeSpan.FromMilliseconds(10));
        }

        pipeline.FailSlowly(_time, TimeSpan.FromMilliseconds(10));
        Assert.Equal(CircuitState.Closed, control.State);
    }

    [Fact]
    public void Four_times_the_target_latency_scales_the_ratio_to_its_floor_and_one_failure_in_four_opens_it()
    {
        var (pipeline, control) = Build();
        for (var i = 0; i < 3; i++)
        {
            pipeline.SucceedSlowly(_time, TimeSpan.FromMilliseconds(400));
        }

        pipeline.FailSlowly(_time, TimeSpan.FromMilliseconds(400));
        Assert.Equal(CircuitState.Open, control.State);
        Assert.Contains("scaled from 0.5 by average latency 400 ms against target 100 ms", control.LastReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_effective_ratio_falls_as_latency_rises_and_never_below_the_floor()
    {
        var window = new AdaptiveWindow(10, 1, 0.5, TimeSpan.FromMilliseconds(100), 0.25, 1);
        var ratios = new List<double>();
        foreach (var ms in new[] { 50, 100, 200, 400, 800 })
        {
            window.Record(false, TimeSpan.FromMilliseconds(ms), 0);
            ratios.Add(window.EffectiveRatio);
        }

        Assert.Equal([0.5, 0.5, 0.25, 0.125, 0.125], ratios);
    }
}
