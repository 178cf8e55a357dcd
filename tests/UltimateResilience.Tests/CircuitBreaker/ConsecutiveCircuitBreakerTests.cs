using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

/// <summary>breaker-consecutive, and through it what every custom breaker shares (the state machine, backoff, permits, control).</summary>
public sealed class ConsecutiveCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Opens_after_the_threshold_of_failures_in_a_row_and_a_success_starts_the_count_again()
    {
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, null, ("failureThreshold", 3));
        pipeline.Fail();
        pipeline.Fail();
        pipeline.Succeed();
        pipeline.Fail();
        pipeline.Fail();
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Fail();
        Assert.Equal(CircuitState.Open, control.State);

        var rejected = pipeline.Rejected();
        Assert.Equal("test[0]", rejected.Breaker);
        Assert.Equal("consecutive", rejected.Type);
        Assert.Equal(CircuitState.Open, rejected.State);
        Assert.Contains("3 failures in a row", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), rejected.RetryAfter);
        Assert.Contains("test[0]", rejected.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<BrokenCircuitException>(rejected);
    }

    [Fact]
    public void Half_opens_when_the_break_is_over_and_a_successful_probe_closes_it_reporting_polly_events()
    {
        var log = new EventLog();
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, log, ("failureThreshold", 1), ("breakMilliseconds", 1000));
        pipeline.Fail();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(TimeSpan.FromMilliseconds(1), pipeline.Rejected().RetryAfter);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        pipeline.Succeed();
        Assert.Equal(CircuitState.Closed, control.State);
        Assert.Equal(["OnCircuitOpened", "OnCircuitHalfOpened", "OnCircuitClosed"], log.Events.Where(e => e.StartsWith("OnCircuit", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_failed_probe_opens_again_for_a_break_grown_by_the_backoff_factor_up_to_the_maximum()
    {
        var (pipeline, _) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, null,
            ("failureThreshold", 1), ("breakMilliseconds", 1000), ("breakBackoffFactor", 2), ("maxBreakMilliseconds", 3000));
        pipeline.Fail();
        var breaks = new List<TimeSpan> { pipeline.Rejected().RetryAfter!.Value };
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(breaks[^1]);
            pipeline.Fail();
            breaks.Add(pipeline.Rejected().RetryAfter!.Value);
        }

        Assert.Equal([1000, 2000, 3000, 3000], breaks.Select(b => b.TotalMilliseconds));

        // A close resets the backoff.
        _time.Advance(breaks[^1]);
        pipeline.Succeed();
        pipeline.Fail();
        Assert.Equal(TimeSpan.FromSeconds(1), pipeline.Rejected().RetryAfter);
    }

    [Fact]
    public async Task Half_open_admits_as_many_probes_as_permits_and_closes_when_all_succeed()
    {
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, null,
            ("failureThreshold", 1), ("breakMilliseconds", 1000), ("halfOpenPermits", 3));
        pipeline.Fail();
        _time.Advance(TimeSpan.FromSeconds(1));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probes = Enumerable.Range(0, 3).Select(_ => pipeline.ExecuteAsync(async _ => await gate.Task).AsTask()).ToArray();
        Assert.Equal(CircuitState.HalfOpen, control.State);
        var rejected = pipeline.Rejected();
        Assert.Equal(CircuitState.HalfOpen, rejected.State);
        Assert.Contains("all 3 probe permits", rejected.Reason, StringComparison.Ordinal);

        gate.SetResult();
        await Task.WhenAll(probes);
        Assert.Equal(CircuitState.Closed, control.State);
    }

    [Fact]
    public void One_failed_probe_of_several_opens_again()
    {
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, null,
            ("failureThreshold", 1), ("halfOpenPermits", 3));
        pipeline.Fail();
        _time.Advance(TimeSpan.FromSeconds(5));
        pipeline.Succeed();
        pipeline.Succeed();
        Assert.Equal(CircuitState.HalfOpen, control.State);
        pipeline.Fail();
        Assert.Equal(CircuitState.Open, control.State);
        Assert.Equal("a half-open probe failed", control.LastReason);
    }

    [Fact]
    public void A_call_slower_than_the_threshold_counts_as_a_failure_even_when_it_succeeds()
    {
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, null,
            ("failureThreshold", 2), ("slowCallMilliseconds", 100));
        pipeline.SucceedSlowly(_time, TimeSpan.FromMilliseconds(99));
        pipeline.SucceedSlowly(_time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.SucceedSlowly(_time, TimeSpan.FromMilliseconds(150));
        Assert.Equal(CircuitState.Open, control.State);
    }

    [Fact]
    public async Task Isolated_by_hand_it_rejects_until_closed_by_hand()
    {
        var log = new EventLog();
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, log);
        await control.IsolateAsync();
        Assert.Equal(CircuitState.Isolated, control.State);
        _time.Advance(TimeSpan.FromHours(1));
        var rejected = pipeline.Rejected();
        Assert.Equal(CircuitState.Isolated, rejected.State);
        Assert.Equal("isolated manually", rejected.Reason);

        await control.CloseAsync();
        Assert.Equal(CircuitState.Closed, control.State);
        pipeline.Succeed();
        Assert.Equal(["OnCircuitOpened", "OnCircuitClosed"], log.Events.Where(e => e.StartsWith("OnCircuit", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_call_admitted_before_the_circuit_opened_does_not_count_when_it_ends_after()
    {
        var (pipeline, control) = Breakers.Build<ConsecutiveCircuitBreakerOptions>("consecutive", _time, null, ("failureThreshold", 1), ("breakMilliseconds", 1000));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var late = pipeline.ExecuteAsync(async _ =>
        {
            await gate.Task;
            throw new IOException("late");
        }).AsTask();
        pipeline.Fail();
        _time.Advance(TimeSpan.FromMilliseconds(1000));
        pipeline.Succeed(); // the probe closes the circuit
        gate.SetResult();
        await Assert.ThrowsAsync<IOException>(() => late);
        Assert.Equal(CircuitState.Closed, control.State);
    }

    [Fact]
    public void Options_out_of_range_are_all_reported_naming_the_option()
    {
        var strategy = TestHost.Strategy<CircuitBreakerStrategy<ConsecutiveCircuitBreakerOptions>>("breaker-consecutive");
        var errors = strategy.ValidateOptions(TestHost.Options(
            ("failureThreshold", 0), ("halfOpenPermits", 0), ("breakMilliseconds", 2000), ("maxBreakMilliseconds", 1000), ("handle", "nope"), ("colour", "red")));
        Assert.Contains(errors, e => e.Contains("'failureThreshold'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'halfOpenPermits'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'maxBreakMilliseconds'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'nope'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'colour'", StringComparison.Ordinal));
        Assert.Empty(strategy.ValidateOptions(TestHost.Options()));
    }
}
