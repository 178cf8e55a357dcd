using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using UltimateResilience.CircuitBreaker;

namespace UltimateResilience.Tests.CircuitBreaker;

public sealed class GradualRecoveryCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    private (Polly.ResiliencePipeline Pipeline, CircuitControl Control) OpenBreaker()
    {
        var built = Breakers.Build<GradualRecoveryCircuitBreakerOptions>("gradual-recovery", _time, null,
            ("rampSteps", 4), ("successesPerStep", 2), ("windowSize", 2), ("minimumCalls", 2), ("failureRatio", 1), ("breakMilliseconds", 1000));
        built.Pipeline.Fail();
        built.Pipeline.Fail();
        Assert.Equal(CircuitState.Open, built.Control.State);
        _time.Advance(TimeSpan.FromSeconds(1));
        return built;
    }

    [Fact]
    public void The_half_open_circuit_admits_a_quarter_then_a_half_then_three_quarters_then_all_and_closes()
    {
        var (pipeline, control) = OpenBreaker();
        var admitted = new List<bool>();
        while (control.State != CircuitState.Closed && admitted.Count < 100)
        {
            admitted.Add(pipeline.TrySucceed());
        }

        // Step 1 (25%): 1 of 4 offered, twice; step 2 (50%): 1 of 2; step 3 (75%) and 4 (100%): every call.
        Assert.Equal(
            [true, false, false, false, true, true, false, true, true, true, true, true],
            admitted);
    }

    [Fact]
    public void A_failure_during_the_ramp_opens_the_circuit_again()
    {
        var (pipeline, control) = OpenBreaker();
        Assert.True(pipeline.TrySucceed());
        Assert.False(pipeline.TrySucceed());
        var rejected = pipeline.Rejected();
        Assert.Contains("admitting 25% of calls (step 1 of 4", rejected.Reason, StringComparison.Ordinal);
        pipeline.TrySucceed();
        pipeline.Fail(); // the admitted second probe of step 1 fails
        Assert.Equal(CircuitState.Open, control.State);
    }
}
