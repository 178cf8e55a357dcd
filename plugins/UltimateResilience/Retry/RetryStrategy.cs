using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Retry;
using UltimateResilience.Common;

namespace UltimateResilience.Retry;

/// <summary>The three retries on Polly's retry strategy; a budget, when configured, is asked in <c>ShouldHandle</c> (<see cref="RetryBudget.Apply"/>).</summary>
internal sealed class RetryStrategy(IResilienceHost host, RetryKind kind) : ResilienceFactory<RetryOptions>(host)
{
    public override string Name => kind switch
    {
        RetryKind.Exponential => "retry-exponential",
        RetryKind.DecorrelatedJitter => "retry-decorrelated-jitter",
        _ => "retry-fixed",
    };

    public override string Description => kind switch
    {
        RetryKind.Exponential => "Polly retry with exponential backoff, max delay and an optional retry budget",
        RetryKind.DecorrelatedJitter => "Polly retry with decorrelated-jitter backoff (seedable), max delay and an optional retry budget",
        _ => "Polly retry with a fixed delay, max delay and an optional retry budget",
    };

    public override RetryOptions Read(OptionReader reader) => RetryOptions.Read(reader, Host);

    protected override void Add(ResiliencePipelineBuilder builder, RetryOptions options) =>
        builder.AddRetry(Polly<RetryStrategyOptions, object>(options, kind, builder.TimeProvider ?? TimeProvider.System));

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, RetryOptions options) =>
        builder.AddRetry(Polly<RetryStrategyOptions<TResult>, TResult>(options, kind, builder.TimeProvider ?? TimeProvider.System));

    /// <summary>Polly's retry options for <paramref name="options"/>: one budget per build of the pipeline.</summary>
    internal static TPolly Polly<TPolly, TResult>(RetryOptions options, RetryKind kind, TimeProvider time)
        where TPolly : RetryStrategyOptions<TResult>, new()
    {
        var handle = options.Handle;
        var budget = options.Budget is { } budgetOptions ? new RetryBudget(budgetOptions, time) : null;
        var polly = new TPolly
        {
            Name = options.Name,
            MaxRetryAttempts = options.MaxRetryAttempts,
            Delay = options.Delay,
            MaxDelay = options.MaxDelay,
            BackoffType = kind == RetryKind.Fixed ? DelayBackoffType.Constant : DelayBackoffType.Exponential,
            UseJitter = kind == RetryKind.DecorrelatedJitter,
        };
        if (Common.Options.Randomizer(options.Seed) is { } randomizer)
        {
            polly.Randomizer = randomizer;
        }

        if (handle is not null)
        {
            polly.ShouldHandle = args => new ValueTask<bool>(handle.Matches(args.Outcome));
        }

        if (budget is not null)
        {
            RetryBudget.Apply(polly, budget);
        }

        return polly;
    }
}

/// <summary>Which retry: its backoff.</summary>
internal enum RetryKind
{
    Exponential,
    DecorrelatedJitter,
    Fixed,
}
