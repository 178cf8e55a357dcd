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
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => Read(options, out _).Errors;

    /// <inheritdoc />
    public void AddTo(ResiliencePipelineBuilder builder, IConfiguration options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var reader = Read(options, out var settings);
        reader.ThrowIfInvalid();
        builder.TimeProvider = timeProvider;
        builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = settings.MaxRetryAttempts,
            Delay = settings.Delay,
            BackoffType = DelayBackoffType.Constant,
            UseJitter = false,
        });
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
