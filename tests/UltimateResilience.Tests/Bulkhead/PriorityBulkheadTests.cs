using Polly;
using UltimateResilience.Bulkhead;

namespace UltimateResilience.Tests.Bulkhead;

public sealed class PriorityBulkheadTests
{
    private static Action<ResilienceContext> Priority(int value) => c => c.Properties.Set(PriorityBulkheadOptions.PriorityKey, value);

    [Fact]
    public async Task A_freed_permit_goes_to_the_highest_priority_and_a_full_queue_sheds_its_lowest()
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<PriorityBulkheadStrategy>("bulkhead-priority"), TimeProvider.System, null,
            ("permitLimit", 1), ("queueLimit", 2));
        var order = new List<string>();
        var first = new HeldCalls();
        var running = first.Start(pipeline, Priority(0));

        var queued = new HeldCalls();
        var low = queued.Start(pipeline, Priority(1), () => order.Add("low"));
        var mid = queued.Start(pipeline, Priority(5), () => order.Add("mid"));
        var high = queued.Start(pipeline, Priority(9), () => order.Add("high")); // the queue is full: low is shed
        var shed = await Assert.ThrowsAsync<BulkheadRejectedException>(() => low);
        Assert.Contains("shed from the queue (priority 1)", shed.Reason, StringComparison.Ordinal);

        var lowest = await Assert.ThrowsAsync<BulkheadRejectedException>(() => queued.Start(pipeline, Priority(0))); // lower than all waiting
        Assert.Contains("none of lower priority than 0", lowest.Reason, StringComparison.Ordinal);

        queued.Release();
        first.Release();
        await Task.WhenAll(running, mid, high);
        Assert.Equal(["high", "mid"], order);
    }

    [Fact]
    public async Task Equal_priorities_wait_in_arrival_order_and_a_cancelled_waiter_leaves_the_queue()
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<PriorityBulkheadStrategy>("bulkhead-priority"), TimeProvider.System, null,
            ("permitLimit", 1), ("queueLimit", 10));
        var order = new List<int>();
        var first = new HeldCalls();
        var running = first.Start(pipeline);
        using var cancel = new CancellationTokenSource();
        var cancelled = pipeline.ExecuteAsync(_ => default, cancel.Token).AsTask();
        var queued = Enumerable.Range(1, 3).Select(i => pipeline.ExecuteAsync(_ =>
        {
            order.Add(i);
            return default;
        }).AsTask()).ToArray();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        first.Release();
        await Task.WhenAll(queued.Append(running));
        Assert.Equal([1, 2, 3], order);
    }
}
