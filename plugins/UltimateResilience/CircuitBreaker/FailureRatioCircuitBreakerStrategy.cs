using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.CircuitBreaker;
using UltimateResilience.Common;

namespace UltimateResilience.CircuitBreaker;

/// <summary><c>resilience/breaker-failure-ratio</c>: Polly's <c>AddCircuitBreaker</c> from an entry's options.</summary>
internal sealed class FailureRatioCircuitBreakerStrategy(IResilienceHost host) : ResilienceFactory<FailureRatioCircuitBreakerOptions>(host)
{
    public override string Name => "breaker-failure-ratio";

    public override string Description => "Polly's circuit breaker: opens when the failed share of a sampling duration reaches a ratio";

    public override FailureRatioCircuitBreakerOptions Read(OptionReader reader) => FailureRatioCircuitBreakerOptions.Read(reader, Host);

    protected override void Add(ResiliencePipelineBuilder builder, FailureRatioCircuitBreakerOptions options) =>
        builder.AddCircuitBreaker(Polly<CircuitBreakerStrategyOptions, object>(options));

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, FailureRatioCircuitBreakerOptions options) =>
        builder.AddCircuitBreaker(Polly<CircuitBreakerStrategyOptions<TResult>, TResult>(options));

    internal static TPolly Polly<TPolly, TResult>(FailureRatioCircuitBreakerOptions options)
        where TPolly : CircuitBreakerStrategyOptions<TResult>, new()
    {
        var handle = options.Handle;
        var polly = new TPolly
        {
            Name = options.Name,
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
        };
        if (handle is not null)
        {
            polly.ShouldHandle = args => new ValueTask<bool>(handle.Matches(args.Outcome));
        }

        return polly;
    }
}
