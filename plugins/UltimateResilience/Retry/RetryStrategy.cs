using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Retry;
using UltimateResilience.Common;

namespace UltimateResilience.Retry;

/// <summary>The three retries on Polly's retry strategy; a budget, when configured, is asked in <c>ShouldHandle</c>.</summary>
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
        var maxRetries = options.MaxRetryAttempts;
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

        if (budget is null && handle is null)
        {
            return polly;
        }

        polly.ShouldHandle = args =>
        {
            if (budget is not null && args.AttemptNumber == 0)
            {
                budget.Called();
            }

            var handled = handle is null
                ? args.Outcome.Exception is not null and not OperationCanceledException
                : handle.Matches(args.Outcome);
            // Polly asks for the last attempt too, and then retries no more: only a retry that will be made draws on the budget.
            return new ValueTask<bool>(handled && (budget is null || args.AttemptNumber >= maxRetries || budget.TryRetry()));
        };
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
