using System.Globalization;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;
using Polly.Fallback;
using Polly.Retry;
using Polly.Timeout;

namespace ResiliencePlugin;

/// <summary>
/// Registers resilience/retry, resilience/timeout and resilience/fallback (results only), thin wrappers over Polly's, and the
/// result predicate <c>negative-result</c> (an <see cref="int"/> below 0).
/// </summary>
public sealed class ResiliencePlugin : IPlugin
{
    public void Register(IPluginContext context)
    {
        context.Resilience.AddPredicate(ResiliencePredicate.ForResult<int>("negative-result", value => value < 0));
        context.Strategies.Add(new RetryStrategy(context.Resilience));
        context.Strategies.Add(new TimeoutStrategy());
        context.Strategies.Add(new FallbackStrategy(context.Resilience));
    }
}

/// <summary>resilience/retry: maxRetryAttempts (1..100, 3), delayMilliseconds (0..60000, 0), backoff (constant, linear, exponential), handle (transient).</summary>
public sealed class RetryStrategy(IResilienceHost host) : IResilienceStrategy
{
    public StrategyCategory Category => StrategyCategory.Resilience;

    public string Name => "retry";

    public string Description => "Polly retry: maxRetryAttempts, delayMilliseconds, backoff, handle";

    public bool ResultsOnly => false;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => Read(options, out _).Errors;

    public void AddTo(ResiliencePipelineBuilder builder, ResilienceEntry entry) => builder.AddRetry(Options<RetryStrategyOptions, object>(entry));

    public void AddTo<TResult>(ResiliencePipelineBuilder<TResult> builder, ResilienceEntry entry) => builder.AddRetry(Options<RetryStrategyOptions<TResult>, TResult>(entry));

    private TOptions Options<TOptions, TResult>(ResilienceEntry entry)
        where TOptions : RetryStrategyOptions<TResult>, new()
    {
        var reader = Read(entry.Options, out var s);
        reader.ThrowIfInvalid();
        return new TOptions
        {
            Name = entry.Name,
            MaxRetryAttempts = s.Attempts,
            Delay = s.Delay,
            BackoffType = s.Backoff,
            UseJitter = false,
            ShouldHandle = args => ValueTask.FromResult(s.Handle.Matches(args.Outcome)),
        };
    }

    private OptionReader Read(IConfiguration options, out (int Attempts, TimeSpan Delay, DelayBackoffType Backoff, ResiliencePredicate Handle) settings)
    {
        var reader = new OptionReader(options);
        var attempts = reader.Int("maxRetryAttempts", 3, 1, 100);
        var delay = reader.Int("delayMilliseconds", 0, 0, 60_000);
        var backoff = Enum.Parse<DelayBackoffType>(reader.OneOf("backoff", "constant", "constant", "linear", "exponential"), ignoreCase: true);
        var handle = host.ReadPredicate(reader, "handle", "transient");
        reader.RejectUnknown();
        settings = (attempts, TimeSpan.FromMilliseconds(delay), backoff, handle);
        return reader;
    }
}

/// <summary>resilience/timeout: timeoutMilliseconds (1..3600000, 1000).</summary>
public sealed class TimeoutStrategy : IResilienceStrategy
{
    public StrategyCategory Category => StrategyCategory.Resilience;

    public string Name => "timeout";

    public string Description => "Polly timeout: timeoutMilliseconds";

    public bool ResultsOnly => false;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => Read(options, out _).Errors;

    public void AddTo(ResiliencePipelineBuilder builder, ResilienceEntry entry) => builder.AddTimeout(Options(entry));

    public void AddTo<TResult>(ResiliencePipelineBuilder<TResult> builder, ResilienceEntry entry) => builder.AddTimeout(Options(entry));

    private static TimeoutStrategyOptions Options(ResilienceEntry entry)
    {
        var reader = Read(entry.Options, out var timeout);
        reader.ThrowIfInvalid();
        return new TimeoutStrategyOptions { Name = entry.Name, Timeout = timeout };
    }

    private static OptionReader Read(IConfiguration options, out TimeSpan timeout)
    {
        var reader = new OptionReader(options);
        timeout = TimeSpan.FromMilliseconds(reader.Int("timeoutMilliseconds", 1000, 1, 3_600_000));
        reader.RejectUnknown();
        return reader;
    }
}

/// <summary>resilience/fallback (results only): value (the result to give instead, as text converted to the result type), handle (any).</summary>
public sealed class FallbackStrategy(IResilienceHost host) : IResilienceStrategy
{
    public StrategyCategory Category => StrategyCategory.Resilience;

    public string Name => "fallback";

    public string Description => "Polly fallback (results only): value, handle";

    public bool ResultsOnly => true;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => Read(options, out _, out _).Errors;

    public void AddTo(ResiliencePipelineBuilder builder, ResilienceEntry entry) =>
        throw new NotSupportedException("resilience/fallback works only in a pipeline for results");

    public void AddTo<TResult>(ResiliencePipelineBuilder<TResult> builder, ResilienceEntry entry)
    {
        var reader = Read(entry.Options, out var value, out var handle);
        reader.ThrowIfInvalid();
        var fallback = (TResult)Convert.ChangeType(value, typeof(TResult), CultureInfo.InvariantCulture);
        builder.AddFallback(new FallbackStrategyOptions<TResult>
        {
            Name = entry.Name,
            ShouldHandle = args => ValueTask.FromResult(handle.Matches(args.Outcome)),
            FallbackAction = _ => Outcome.FromResultAsValueTask(fallback),
        });
    }

    private OptionReader Read(IConfiguration options, out string value, out ResiliencePredicate handle)
    {
        var reader = new OptionReader(options);
        value = reader.Strings("value", [string.Empty]) is [var single] ? single : string.Empty;
        handle = host.ReadPredicate(reader, "handle", "any");
        reader.RejectUnknown();
        return reader;
    }
}
