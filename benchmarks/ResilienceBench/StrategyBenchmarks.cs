using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace ResilienceBench;

/// <summary>Circuit breakers, success path: Polly's against count-based and consecutive.</summary>
[MemoryDiagnoser]
public class BreakerBenchmarks
{
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline _countBased = null!;
    private ResiliencePipeline _consecutive = null!;

    [GlobalSetup]
    public void Setup()
    {
        _polly = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions()).Build();
        _countBased = Entries.Build(("breaker-count-based", "{}"));
        _consecutive = Entries.Build(("breaker-consecutive", "{}"));
    }

    [Benchmark(Baseline = true)]
    public void PollyCircuitBreaker() => _polly.Execute(static () => { });

    [Benchmark]
    public void CountBased() => _countBased.Execute(static () => { });

    [Benchmark]
    public void Consecutive() => _consecutive.Execute(static () => { });
}

/// <summary>Bulkheads, success path: Polly's concurrency limiter against partitioned and priority.</summary>
[MemoryDiagnoser]
public class BulkheadBenchmarks
{
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline _partitioned = null!;
    private ResiliencePipeline _priority = null!;

    [GlobalSetup]
    public void Setup()
    {
        _polly = new ResiliencePipelineBuilder().AddConcurrencyLimiter(100, 100).Build();
        _partitioned = Entries.Build(("bulkhead-partitioned", """{ "limit": 100, "partitions": ["live:0.7", "batch:0.3"] }"""));
        _priority = Entries.Build(("bulkhead-priority", """{ "permitLimit": 100, "queueLimit": 100 }"""));
    }

    [Benchmark(Baseline = true)]
    public void PollyConcurrencyLimiter() => _polly.Execute(static () => { });

    [Benchmark]
    public void Partitioned() => _partitioned.Execute(static () => { });

    [Benchmark]
    public void Priority() => _priority.Execute(static () => { });
}

/// <summary>Timeouts, success path: Polly's against cascading.</summary>
[MemoryDiagnoser]
public class TimeoutBenchmarks
{
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline _cascading = null!;

    [GlobalSetup]
    public void Setup()
    {
        _polly = new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromSeconds(30)).Build();
        _cascading = Entries.Build(("timeout-cascading", """{ "timeoutMilliseconds": 30000 }"""));
    }

    [Benchmark(Baseline = true)]
    public void PollyTimeout() => _polly.Execute(static () => { });

    [Benchmark]
    public void Cascading() => _cascading.Execute(static () => { });
}

/// <summary>Retries, success path: Polly's against the same retry with a budget.</summary>
[MemoryDiagnoser]
public class RetryBenchmarks
{
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline _budgeted = null!;

    [GlobalSetup]
    public void Setup()
    {
        _polly = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions()).Build();
        _budgeted = Entries.Build(("retry-exponential", """{ "handle": "any", "budgetRatio": 0.2 }"""));
    }

    [Benchmark(Baseline = true)]
    public void PollyRetry() => _polly.Execute(static () => { });

    [Benchmark]
    public void BudgetedRetry() => _budgeted.Execute(static () => { });
}

/// <summary>
/// Five strategies (Polly's composite benchmark: concurrency limiter, timeout, retry, timeout, circuit breaker) built from
/// plugins.json entries against the same built with Polly's API; and the five with this plugin's custom strategies.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline _fromEntries = null!;
    private ResiliencePipeline _custom = null!;

    [GlobalSetup]
    public void Setup()
    {
        _polly = new ResiliencePipelineBuilder()
            .AddConcurrencyLimiter(1000, 0)
            .AddTimeout(TimeSpan.FromSeconds(30))
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.FromMilliseconds(200), BackoffType = DelayBackoffType.Exponential })
            .AddTimeout(TimeSpan.FromSeconds(30))
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions())
            .Build();
        _fromEntries = Entries.Build(
            ("bulkhead-semaphore", """{ "permitLimit": 1000 }"""),
            ("timeout-simple", """{ "timeoutMilliseconds": 30000 }"""),
            ("retry-exponential", """{ "maxRetryAttempts": 3, "delayMilliseconds": 200, "handle": "any" }"""),
            ("timeout-simple", """{ "timeoutMilliseconds": 30000 }"""),
            ("breaker-failure-ratio", "{}"));
        _custom = Entries.Build(
            ("bulkhead-partitioned", """{ "limit": 1000 }"""),
            ("timeout-cascading", """{ "timeoutMilliseconds": 30000 }"""),
            ("retry-decorrelated-jitter", """{ "maxRetryAttempts": 3, "budgetRatio": 0.2 }"""),
            ("timeout-cascading", """{ "timeoutMilliseconds": 30000 }"""),
            ("breaker-count-based", "{}"));
    }

    [Benchmark(Baseline = true)]
    public void PollyApi() => _polly.Execute(static () => { });

    [Benchmark]
    public void FromPluginsJsonEntries() => _fromEntries.Execute(static () => { });

    [Benchmark]
    public void CustomStrategiesFromEntries() => _custom.Execute(static () => { });
}
