using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;
using Polly.Retry;

namespace MyPlugin;

/// <summary>
/// resilience/constant-retry: retries a failed call (any exception but cancellation) up to <c>maxRetryAttempts</c> times,
/// waiting <c>delayMilliseconds</c> before each retry, as Polly's retry strategy with a constant back-off.
/// </summary>
public sealed class ConstantRetry : IResilienceStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Resilience;

    /// <inheritdoc />
    public string Name => "constant-retry";

    /// <inheritdoc />
    public string Description => "Retries a failed call a fixed number of times with a constant delay (Polly retry)";

    /// <inheritdoc />
    public bool ResultsOnly => false;

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => Read(options, out _).Errors;

    /// <inheritdoc />
    public void AddTo(ResiliencePipelineBuilder builder, ResilienceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRetry(Options<RetryStrategyOptions, object>(entry));
    }

    /// <inheritdoc />
    public void AddTo<TResult>(ResiliencePipelineBuilder<TResult> builder, ResilienceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRetry(Options<RetryStrategyOptions<TResult>, TResult>(entry));
    }

    private static TOptions Options<TOptions, TResult>(ResilienceEntry entry)
        where TOptions : RetryStrategyOptions<TResult>, new()
    {
        ArgumentNullException.ThrowIfNull(entry);
        var reader = Read(entry.Options, out var settings);
        reader.ThrowIfInvalid();
        // Polly's default ShouldHandle: any exception but OperationCanceledException. The builder's TimeProvider times the delays.
        return new TOptions
        {
            Name = entry.Name,
            MaxRetryAttempts = settings.MaxRetryAttempts,
            Delay = settings.Delay,
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
        };
    }

    private static OptionReader Read(IConfiguration options, out (int MaxRetryAttempts, TimeSpan Delay) settings)
    {
        var reader = new OptionReader(options);
        var attempts = reader.Int("maxRetryAttempts", 3, 1, 100);
        var delay = reader.Int("delayMilliseconds", 200, 0, 60_000);
        reader.RejectUnknown();
        settings = (attempts, TimeSpan.FromMilliseconds(delay));
        return reader;
    }
}
