using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Retry;
using UltimateResilience.Retry;

namespace UltimateResilience.Tests.Retry;

public sealed class RetryTests
{
    /// <summary>The delays Polly waits before each retry of a call that always fails, on a fake clock advanced as needed.</summary>
    private static List<TimeSpan> Delays(RetryKind kind, int attempts, int delayMs, int maxDelayMs, int seed)
    {
        var time = new FakeTimeProvider();
        var options = new RetryOptions
        {
            MaxRetryAttempts = attempts,
            Delay = TimeSpan.FromMilliseconds(delayMs),
            MaxDelay = TimeSpan.FromMilliseconds(maxDelayMs),
            Seed = seed,
        };
        var polly = RetryStrategy.Polly<RetryStrategyOptions, object>(options, kind, time);
        var delays = new List<TimeSpan>();
        polly.OnRetry = args =>
        {
            lock (delays)
            {
                delays.Add(args.RetryDelay);
            }

            return default;
        };
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(polly).Build();
        var run = pipeline.ExecuteAsync(static _ => throw new IOException("down")).AsTask();
        for (var i = 0; !run.IsCompleted && i < 1_000_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(maxDelayMs));
            Thread.Yield();
        }

        Assert.Throws<AggregateException>(() => run.Wait(TimeSpan.FromSeconds(30)));
        return delays;
    }

    private static Arbitrary<(int Attempts, int Delay, int MaxDelay, int Seed)> Settings() =>
        (from attempts in Gen.Choose(1, 6)
         from delay in Gen.Choose(1, 5000)
         from max in Gen.Choose(1, 20_000)
         from seed in Gen.Choose(0, int.MaxValue)
         select (attempts, delay, max, seed)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 40)]
    public Property Fixed_delays_are_the_delay_capped_at_the_maximum() =>
        Prop.ForAll(Settings(), s =>
        {
            var delays = Delays(RetryKind.Fixed, s.Attempts, s.Delay, s.MaxDelay, s.Seed);
            return delays.Count == s.Attempts && delays.All(d => d == TimeSpan.FromMilliseconds(Math.Min(s.Delay, s.MaxDelay)));
        });

    [FsCheck.Xunit.Property(MaxTest = 40)]
    public Property Exponential_delays_double_from_the_delay_up_to_the_maximum() =>
        Prop.ForAll(Settings(), s =>
        {
            var delays = Delays(RetryKind.Exponential, s.Attempts, s.Delay, s.MaxDelay, s.Seed);
            return delays.Count == s.Attempts
                && delays.Select((d, n) => d == TimeSpan.FromMilliseconds(Math.Min(s.Delay * Math.Pow(2, n), s.MaxDelay))).All(ok => ok);
        });

    [FsCheck.Xunit.Property(MaxTest = 40)]
    public Property Decorrelated_jitter_delays_stay_within_zero_and_the_maximum_and_a_seed_repeats_them() =>
        Prop.ForAll(Settings(), s =>
        {
            var delays = Delays(RetryKind.DecorrelatedJitter, s.Attempts, s.Delay, s.MaxDelay, s.Seed);
            var again = Delays(RetryKind.DecorrelatedJitter, s.Attempts, s.Delay, s.MaxDelay, s.Seed);
            return delays.Count == s.Attempts
                && delays.All(d => d >= TimeSpan.Zero && d <= TimeSpan.FromMilliseconds(s.MaxDelay))
                && delays.SequenceEqual(again);
        });

    private static int Attempts(ResiliencePipeline pipeline)
    {
        var attempts = 0;
        Assert.Throws<IOException>(() => pipeline.Execute(() =>
        {
            attempts++;
            throw new IOException("down");
        }));
        return attempts;
    }

    [Fact]
    public void The_budget_allows_retries_up_to_its_ratio_of_recent_calls_and_refuses_the_rest()
    {
        var time = new FakeTimeProvider();
        var pipeline = TestHost.Pipeline(TestHost.Strategy<RetryStrategy>("retry-fixed"), time, null,
            ("maxRetryAttempts", 3), ("delayMilliseconds", 0), ("budgetRatio", 0.5), ("budgetMinimumCalls", 4), ("budgetWindowMilliseconds", 10_000));
        for (var i = 0; i < 20; i++)
        {
            pipeline.Execute(static () => { });
        }

        // Calls 21..24 may retry while retries stay within half the calls (10.5, 11, 11.5, 12): 3 retries each; call 25 none
        // (a 13th retry would pass 12.5); call 26 one (13 of 13), not two.
        Assert.Equal([4, 4, 4, 4, 1, 2], Enumerable.Range(0, 6).Select(_ => Attempts(pipeline)));

        // The window passes: fewer calls than the minimum, the budget does not apply.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, Attempts(pipeline));
    }

    [Fact]
    public void Without_a_budget_every_call_retries_fully_and_transient_is_the_default()
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<RetryStrategy>("retry-exponential"), new FakeTimeProvider(), null,
            ("maxRetryAttempts", 2), ("delayMilliseconds", 0));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(3, Attempts(pipeline));
        }

        var calls = 0;
        Assert.Throws<InvalidOperationException>(() => pipeline.Execute(() =>
        {
            calls++;
            throw new InvalidOperationException("not transient");
        }));
        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calls_counted_from_many_threads_at_once_are_all_counted(bool systemClock)
    {
        // Counting a call takes no lock while its bucket is current: 4 threads x 2500 calls must still be 10000 calls, so the
        // budget grants exactly 20% of them. (On the system clock, a bucket boundary may fall inside the run: the window of
        // 10 s holds every bucket of it.)
        var budget = new RetryBudget(new RetryBudgetOptions { Ratio = 0.2, MinimumCalls = 10, Window = TimeSpan.FromSeconds(10) },
            systemClock ? TimeProvider.System : new FakeTimeProvider());
        using var start = new Barrier(4);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 2500; i++)
            {
                budget.Called();
            }
        })));

        var granted = 0;
        while (budget.TryRetry())
        {
            granted++;
        }

        Assert.Equal(2000, granted);
        Assert.Equal(1, budget.Refused);
    }
}
