using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;
using UltimateResilience.Common;

namespace UltimateResilience.Tests.CircuitBreaker;

/// <summary>The state cycle every custom breaker shares, and the count and time windows against naive models.</summary>
public sealed class EveryBreakerTests
{
    public static TheoryData<string> Types => ["consecutive", "count-based", "sliding-window", "gradual-recovery", "adaptive"];

    /// <summary>A breaker of <paramref name="type"/> that opens on its first failure and closes after one successful probe.</summary>
    private static (ResiliencePipeline Pipeline, CircuitControl Control) Build(string type, TimeProvider time, EventLog log)
    {
        (string, object)[] common = [("breakMilliseconds", 1000), ("breakBackoffFactor", 3), ("maxBreakMilliseconds", 5000)];
        (string, object)[] window = [("windowSize", 1), ("minimumCalls", 1), ("failureRatio", 1)];
        return type switch
        {
            "consecutive" => Breakers.Build<ConsecutiveCircuitBreakerOptions>(type, time, log, [.. common, ("failureThreshold", 1)]),
            "count-based" => Breakers.Build<CountBasedCircuitBreakerOptions>(type, time, log, [.. common, .. window]),
            "sliding-window" => Breakers.Build<SlidingWindowCircuitBreakerOptions>(type, time, log, [.. common, ("minimumCalls", 1), ("failureRatio", 0.5)]),
            "gradual-recovery" => Breakers.Build<GradualRecoveryCircuitBreakerOptions>(type, time, log, [.. common, .. window, ("rampSteps", 2), ("successesPerStep", 1)]),
            _ => Breakers.Build<AdaptiveCircuitBreakerOptions>(type, time, log, [.. common, .. window]),
        };
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Closed_open_half_open_open_again_with_backoff_then_closed_and_every_change_is_reported(string type)
    {
        var time = new FakeTimeProvider();
        var log = new EventLog();
        var (pipeline, control) = Build(type, time, log);

        pipeline.Succeed();
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Fail();
        Assert.Equal(CircuitState.Open, control.State);
        Assert.Equal(TimeSpan.FromSeconds(1), pipeline.Rejected().RetryAfter);

        time.Advance(TimeSpan.FromSeconds(1));
        pipeline.Fail(); // the probe fails
        Assert.Equal(CircuitState.Open, control.State);
        Assert.Equal(TimeSpan.FromSeconds(3), pipeline.Rejected().RetryAfter);

        time.Advance(TimeSpan.FromSeconds(3));
        while (control.State != CircuitState.Closed)
        {
            pipeline.TrySucceed();
        }

        pipeline.Succeed();
        Assert.Equal(
            ["OnCircuitOpened", "OnCircuitHalfOpened", "OnCircuitOpened", "OnCircuitHalfOpened", "OnCircuitClosed"],
            log.Events.Where(e => e.StartsWith("OnCircuit", StringComparison.Ordinal)));
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property The_count_window_decides_as_a_list_of_the_last_calls_does() =>
        Prop.ForAll(
            (from size in Gen.Choose(1, 8) from minimum in Gen.Choose(1, 8) from ratio in Gen.Elements(0.25, 0.5, 1.0)
             from calls in Gen.ListOf(Gen.Elements(true, false)) select (size, Math.Min(minimum, size), ratio, calls)).ToArbitrary(),
            c =>
            {
                var window = new CountWindow(c.size, c.Item2, c.ratio);
                var model = new List<bool>();
                foreach (var failure in c.calls)
                {
                    model.Add(failure);
                    if (model.Count > c.size)
                    {
                        model.RemoveAt(0);
                    }

                    var expected = model.Count >= c.Item2 && model.Count(f => f) >= c.ratio * model.Count;
                    if ((window.Record(failure, TimeSpan.Zero, 0) is not null) != expected)
                    {
                        return false;
                    }
                }

                return true;
            });

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Time_buckets_sum_what_was_added_within_the_span() =>
        Prop.ForAll(
            (from buckets in Gen.Choose(1, 10)
             from steps in Gen.ListOf(Gen.Choose(0, 300))
             select (buckets, steps)).ToArbitrary(),
            c =>
            {
                var span = TimeSpan.FromMilliseconds(1000);
                var ring = new TimeBuckets(span, c.buckets);
                var bucketTicks = span.Ticks / c.buckets;
                var added = new List<long>();
                long now = 0;
                foreach (var step in c.steps)
                {
                    now += TimeSpan.FromMilliseconds(step).Ticks;
                    ring.Add(now, 1, 0);
                    added.Add(now);
                    // The ring holds the buckets of the last `buckets` bucket epochs, the current one included.
                    var epoch = now / bucketTicks;
                    var expected = added.Count(t => t / bucketTicks > epoch - c.buckets);
                    if (ring.Sum(now).First != expected)
                    {
                        return false;
                    }
                }

                return true;
            });
}
