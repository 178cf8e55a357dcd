using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly;
using Polly.Timeout;
using UltimateResilience.Common;

namespace UltimateResilience.Timeout;

/// <summary>
/// <c>resilience/timeout-cascading</c>: the deadline strategy, then Polly's timeout whose generator returns what remains of the
/// deadline (so expiry, cancellation and the <c>OnTimeout</c> event are Polly's).
/// </summary>
internal sealed class CascadingTimeoutStrategy(IResilienceHost host) : ResilienceFactory<CascadingTimeoutOptions>(host)
{
    public override string Name => "timeout-cascading";

    public override string Description => "A deadline in the resilience context: nested calls get the remaining budget, a spent budget is rejected before the call";

    public override CascadingTimeoutOptions Read(OptionReader reader) => CascadingTimeoutOptions.Read(reader);

    protected override void Add(ResiliencePipelineBuilder builder, CascadingTimeoutOptions options)
    {
        var clock = new Clock();
        builder.AddStrategy(context => Deadline(context, options, clock), options).AddTimeout(Polly(options, clock));
    }

    protected override void Add<TResult>(ResiliencePipelineBuilder<TResult> builder, CascadingTimeoutOptions options)
    {
        var clock = new Clock();
        builder.AddStrategy(context => Deadline(context, options, clock), options).AddTimeout(Polly(options, clock));
    }

    private static DeadlineResilienceStrategy Deadline(StrategyBuilderContext context, CascadingTimeoutOptions options, Clock clock)
    {
        clock.Time = context.TimeProvider;
        return new(options.Timeout, options.Name ?? "timeout-cascading", context.TimeProvider, context.Telemetry);
    }

    private static TimeoutStrategyOptions Polly(CascadingTimeoutOptions options, Clock clock)
    {
        var fallback = options.Timeout;
        return new TimeoutStrategyOptions
        {
            Name = options.Name,
            Timeout = fallback,
            TimeoutGenerator = args => new ValueTask<TimeSpan>(DeadlineResilienceStrategy.Remaining(args.Context, fallback, clock.Time)),
        };
    }

    /// <summary>The pipeline's time provider, known once the deadline strategy is built (before Polly's timeout runs).</summary>
    private sealed class Clock
    {
        public TimeProvider Time { get; set; } = TimeProvider.System;
    }
}
