using Polly;
using UltimateResilience.Bulkhead;

namespace UltimateResilience.Tests.Bulkhead;

public sealed class PartitionedBulkheadTests
{
    private static ResiliencePipeline Build() =>
        TestHost.Pipeline(TestHost.Strategy<PartitionedBulkheadStrategy>("bulkhead-partitioned"), TimeProvider.System, null,
            ("limit", 4), ("partitions:0", "live:0.5"), ("partitions:1", "batch:0.5"), ("defaultPartition", "batch"));

    private static Action<ResilienceContext> In(string partition) => c => c.Properties.Set(PartitionedBulkheadOptions.PartitionKey, partition);

    [Fact]
    public async Task A_partition_borrows_idle_capacity_below_the_limit_and_is_held_to_its_share_at_it()
    {
        var pipeline = Build();
        var held = new HeldCalls();
        var batch = Enumerable.Range(0, 4).Select(_ => held.Start(pipeline, In("batch"))).ToList(); // borrows live's idle half
        var rejected = await Assert.ThrowsAsync<BulkheadRejectedException>(() => held.Start(pipeline, In("batch")));
        Assert.Contains("partition 'batch' has its share of 2", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal("partitioned", rejected.Type);
        await Assert.ThrowsAsync<BulkheadRejectedException>(() => held.Start(pipeline)); // no partition named: the default, batch

        // Live keeps its share although the total is at the limit.
        var live = new[] { held.Start(pipeline, In("live")), held.Start(pipeline, In("live")) };
        await Assert.ThrowsAsync<BulkheadRejectedException>(() => held.Start(pipeline, In("live")));

        held.Release();
        await Task.WhenAll(batch.Concat(live));
        var again = new HeldCalls();
        var next = Enumerable.Range(0, 4).Select(_ => again.Start(pipeline, In("live"))).ToList();
        again.Release();
        await Task.WhenAll(next);
    }

    [Fact]
    public async Task Under_real_concurrency_no_partition_passes_its_bound_and_every_call_is_counted()
    {
        var pipeline = Build();
        int running = 0, maxRunning = 0, admitted = 0, rejected = 0;
        var tasks = Enumerable.Range(0, 2000).Select(i => Task.Run(async () =>
        {
            var context = ResilienceContextPool.Shared.Get();
            context.Properties.Set(PartitionedBulkheadOptions.PartitionKey, i % 3 == 0 ? "live" : "batch");
            try
            {
                await pipeline.ExecuteAsync(async _ =>
                {
                    var now = Interlocked.Increment(ref running);
                    InterlockedMax(ref maxRunning, now);
                    await Task.Yield();
                    Interlocked.Decrement(ref running);
                }, context);
                Interlocked.Increment(ref admitted);
            }
            catch (BulkheadRejectedException)
            {
                Interlocked.Increment(ref rejected);
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        Assert.Equal(2000, admitted + rejected);
        Assert.InRange(maxRunning, 1, 4 + 2); // the limit, passed by at most one partition's share
        Assert.Equal(0, running);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public void Bad_partitions_are_reported_each()
    {
        var errors = TestHost.Strategy<PartitionedBulkheadStrategy>("bulkhead-partitioned").ValidateOptions(TestHost.Options(
            ("partitions:0", "live:0.8"), ("partitions:1", "batch:0.8"), ("partitions:2", "nonsense"), ("defaultPartition", "other")));
        Assert.Equal(3, errors.Count);
    }
}
