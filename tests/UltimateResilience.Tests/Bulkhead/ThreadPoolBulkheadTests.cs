using Polly;
using Polly.RateLimiting;
using UltimateResilience.Bulkhead;

namespace UltimateResilience.Tests.Bulkhead;

public sealed class ThreadPoolBulkheadTests
{
    [Fact]
    public async Task Calls_run_on_the_dedicated_threads_and_beyond_threads_plus_queue_are_rejected()
    {
        var options = new ThreadPoolBulkheadOptions { Threads = 2, QueueLimit = 1, Name = "blocking" };
        var factory = TestHost.Strategy<ThreadPoolBulkheadStrategy>("bulkhead-thread-pool");
        ThreadPoolBulkhead? built = null;
        var pipeline = new ResiliencePipelineBuilder().AddStrategy(context => built = (ThreadPoolBulkhead)factory.Create(context, options), options).Build();
        var bulkhead = built!;
        try
        {
            using var gate = new ManualResetEventSlim();
            var threads = new System.Collections.Concurrent.ConcurrentBag<Thread>();
            Task Blocking() => pipeline.ExecuteAsync(_ =>
            {
                threads.Add(Thread.CurrentThread);
                gate.Wait();
                return default;
            }).AsTask();

            var calls = new[] { Blocking(), Blocking(), Blocking() };
            var rejected = await Assert.ThrowsAsync<BulkheadRejectedException>(Blocking);
            Assert.Equal("blocking", rejected.Bulkhead);
            gate.Set();
            await Task.WhenAll(calls);
            Assert.Equal(3, threads.Count);
            Assert.All(threads, t => Assert.Contains(t, bulkhead.Workers));
        }
        finally
        {
            bulkhead.Dispose();
        }

        Assert.All(bulkhead.Workers, t => Assert.True(t.Join(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public async Task The_semaphore_bulkhead_is_pollys_concurrency_limiter()
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<SemaphoreBulkheadStrategy>("bulkhead-semaphore"), TimeProvider.System, null, ("permitLimit", 1), ("queueLimit", 0));
        var held = new HeldCalls();
        var running = held.Start(pipeline);
        await Assert.ThrowsAsync<RateLimiterRejectedException>(() => held.Start(pipeline));
        held.Release();
        await running;
    }
}
