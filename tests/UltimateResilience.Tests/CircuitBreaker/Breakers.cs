using Microsoft.Extensions.Time.Testing;
using Polly;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

/// <summary>Builds one custom breaker from entry options, with a control, on a fake clock; and makes calls through it.</summary>
internal static class Breakers
{
    public static (ResiliencePipeline Pipeline, CircuitControl Control) Build<TOptions>(string type, TimeProvider time, EventLog? log, params (string Key, object Value)[] options)
        where TOptions : CircuitBreakerOptionsBase
    {
        var factory = TestHost.Strategy<CircuitBreakerStrategy<TOptions>>("breaker-" + type);
        var bound = factory.Bind(TestHost.Entry(options));
        var control = new CircuitControl();
        bound.Control = control;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time, TelemetryListener = log }
            .AddStrategy(context => factory.Create(context, bound), bound)
            .Build();
        return (pipeline, control);
    }

    public static void Fail(this ResiliencePipeline pipeline) =>
        Assert.Throws<IOException>(() => pipeline.Execute(static () => throw new IOException("down")));

    public static void Succeed(this ResiliencePipeline pipeline) => pipeline.Execute(static () => { });

    /// <summary>A successful call that takes <paramref name="duration"/> on the fake clock.</summary>
    public static void SucceedSlowly(this ResiliencePipeline pipeline, FakeTimeProvider time, TimeSpan duration) => pipeline.Execute(() => time.Advance(duration));

    public static void FailSlowly(this ResiliencePipeline pipeline, FakeTimeProvider time, TimeSpan duration) =>
        Assert.Throws<IOException>(() => pipeline.Execute(() =>
        {
            time.Advance(duration);
            throw new IOException("down");
        }));

    public static CircuitRejectedException Rejected(this ResiliencePipeline pipeline) =>
        Assert.Throws<CircuitRejectedException>(() => pipeline.Execute(static () => Assert.Fail("a rejected call must not run")));

    /// <summary>Calls once; true when the call ran (succeeding), false when the circuit rejected it.</summary>
    public static bool TrySucceed(this ResiliencePipeline pipeline)
    {
        try
        {
            pipeline.Succeed();
            return true;
        }
        catch (CircuitRejectedException)
        {
            return false;
        }
    }
}
