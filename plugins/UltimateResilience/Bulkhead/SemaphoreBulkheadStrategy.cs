using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using UltimateResilience.Common;

namespace UltimateResilience.Bulkhead;

/// <summary><c>resilience/bulkhead-semaphore</c>: Polly.RateLimiting's <c>AddConcurrencyLimiter</c>.</summary>
internal sealed class SemaphoreBulkheadStrategy(IResilienceHost host) : ResilienceFactory<SemaphoreBulkheadOptions>(host)
{
    public override string Name => "bulkhead-semaphore";

    public override string Description => "Polly's concurrency limiter: a number of calls at once and a queue";

    public override SemaphoreBulkheadOptions Read(OptionReader reader) => SemaphoreBulkheadOptions.Read(reader);

    protected override void Add(ResiliencePipelineBuilder builder, SemaphoreBulkheadOptions options) =>
        builder.AddConcurrencyLimiter(options.PermitLimit, options.QueueLimit);

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, SemaphoreBulkheadOptions options) =>
        builder.AddConcurrencyLimiter(options.PermitLimit, options.QueueLimit);
}
