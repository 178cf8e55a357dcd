using Polly;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

/// <summary>The success path of every custom breaker allocates nothing once warm (measured per thread, around a warm loop).</summary>
public sealed class AllocationTests
{
    public static TheoryData<string> Types => ["consecutive", "count-based", "sliding-window", "gradual-recovery", "adaptive"];

    [Theory]
    [MemberData(nameof(Types))]
    public void A_successful_call_allocates_nothing(string type)
    {
        var pipeline = type switch
        {
            "consecutive" => Breakers.Build<ConsecutiveCircuitBreakerOptions>(type, TimeProvider.System, null).Pipeline,
            "count-based" => Breakers.Build<CountBasedCircuitBreakerOptions>(type, TimeProvider.System, null).Pipeline,
            "sliding-window" => Breakers.Build<SlidingWindowCircuitBreakerOptions>(type, TimeProvider.System, null).Pipeline,
            "gradual-recovery" => Breakers.Build<GradualRecoveryCircuitBreakerOptions>(type, TimeProvider.System, null).Pipeline,
            _ => Breakers.Build<AdaptiveCircuitBreakerOptions>(type, TimeProvider.System, null, ("slowCallMilliseconds", 60_000)).Pipeline,
        };

        Assert.Equal(0, AllocatedPerCall(pipeline));
    }

    /// <summary>
    /// Bytes allocated per call in the steady state: the least of three rounds of 10,000 calls, so that one-off work the
    /// runtime does on the calling thread (tiered compilation's stubs on a loaded machine: one round in a CI run
    /// averaged 1 byte) is not counted, while an allocation on every call shows in every round.
    /// </summary>
    internal static long AllocatedPerCall(ResiliencePipeline pipeline)
    {
        for (var i = 0; i < 1000; i++)
        {
            pipeline.Execute(static () => { });
        }

        var least = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                pipeline.Execute(static () => { });
            }

            least = Math.Min(least, (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000);
        }

        return least;
    }
}

/// <summary>The success path of the other custom strategies allocates nothing either (uncontended, on the system clock).</summary>
public sealed class OtherStrategiesAllocationTests
{
    public static TheoryData<string, string, string> Entries => new()
    {
        { "bulkhead-partitioned", "partitions:0", "live:1" },
        { "bulkhead-priority", "permitLimit", "10" },
        { "bulkhead-adaptive", "algorithm", "vegas" },
        { "retry-decorrelated-jitter", "budgetRatio", "0.2" },
        { "timeout-adaptive", "windowSize", "100" },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void A_successful_call_allocates_nothing(string strategy, string option, string value)
    {
        var pipeline = TestHost.Pipeline(TestHost.Strategy<Kernel.Sdk.Resilience.IResilienceStrategy>(strategy), TimeProvider.System, null, (option, value));
        Assert.Equal(0, AllocationTests.AllocatedPerCall(pipeline));
    }
}
