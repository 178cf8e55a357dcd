using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Timeout;
using UltimateResilience.Tests.CircuitBreaker;
using UltimateResilience.Timeout;

namespace UltimateResilience.Tests.Timeout;

public sealed class CascadingTimeoutTests
{
    private readonly FakeTimeProvider _time = new();

    private ResiliencePipeline Cascading(int ms) =>
        TestHost.Pipeline(TestHost.Strategy<CascadingTimeoutStrategy>("timeout-cascading"), _time, null, ("timeoutMilliseconds", ms));

    private static DateTimeOffset? Deadline(ResilienceContext context) =>
        context.Properties.TryGetValue(CascadingTimeoutOptions.DeadlineKey, out var box) ? box?.Value : null;

    [Fact]
    public void A_nested_call_gets_the_smaller_of_its_own_timeout_and_what_remains_and_the_outer_deadline_is_restored()
    {
        var outer = Cascading(1000);
        var innerLong = Cascading(5000);
        var innerShort = Cascading(200);
        var start = _time.GetUtcNow();
        var context = ResilienceContextPool.Shared.Get();
        var seen = new List<DateTimeOffset?>();
        outer.Execute(ctx =>
        {
            seen.Add(Deadline(ctx));
            _time.Advance(TimeSpan.FromMilliseconds(300));
            innerLong.Execute(c => seen.Add(Deadline(c)), ctx);
            innerShort.Execute(c => seen.Add(Deadline(c)), ctx);
            seen.Add(Deadline(ctx));
        }, context);

        Assert.Equal([start.AddMilliseconds(1000), start.AddMilliseconds(1000), start.AddMilliseconds(500), start.AddMilliseconds(1000)], seen);
        Assert.Null(Deadline(context));
        ResilienceContextPool.Shared.Return(context);
    }

    [Fact]
    public async Task A_nested_call_times_out_when_the_outer_deadline_passes_not_its_own()
    {
        var outer = Cascading(1000);
        var inner = Cascading(5000);
        var running = outer.ExecuteAsync(async ctx =>
        {
            await inner.ExecuteAsync(async c => await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, c.CancellationToken), ctx);
        }, ResilienceContextPool.Shared.Get()).AsTask();

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(running.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<TimeoutRejectedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_call_whose_inherited_deadline_has_passed_is_rejected_before_it_starts()
    {
        // The deadline came with the request (an upstream caller's budget), and the call is made after it.
        var pipeline = Cascading(5000);
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(CascadingTimeoutOptions.DeadlineKey, new System.Runtime.CompilerServices.StrongBox<DateTimeOffset>(_time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        var ran = false;
        var rejected = Assert.Throws<DeadlineExceededException>(() => pipeline.Execute(_ => ran = true, context));
        Assert.False(ran);
        Assert.Equal("test[0]", rejected.Strategy);
        Assert.Equal(TimeSpan.FromMilliseconds(50), rejected.Overdue);
        Assert.IsAssignableFrom<TimeoutRejectedException>(rejected);
        Assert.Contains("before it started", rejected.Message, StringComparison.Ordinal);
        ResilienceContextPool.Shared.Return(context);
    }

    [Fact]
    public void A_successful_call_allocates_nothing()
    {
        // Polly pools the cancellation sources of its timeout for the system clock only: measured on it.
        var pipeline = TestHost.Pipeline(TestHost.Strategy<CascadingTimeoutStrategy>("timeout-cascading"), TimeProvider.System, null, ("timeoutMilliseconds", 60_000));
        Assert.Equal(0, AllocationTests.AllocatedPerCall(pipeline));
    }

    [Fact]
    public void The_polly_loaded_lets_the_strategy_set_the_context_token()
    {
        // The strategy sets ResilienceContext.CancellationToken through its internal setter, as Polly's timeout does; a
        // Polly.Core without it would fail every build of the strategy, so an upgrade that drops it fails here first.
        CascadingTimeoutResilienceStrategy.EnsureAvailable();
        var pipeline = Cascading(1000);
        var seen = pipeline.Execute(static ctx => ctx.CancellationToken, ResilienceContextPool.Shared.Get());
        Assert.True(seen.CanBeCanceled);
    }
}
