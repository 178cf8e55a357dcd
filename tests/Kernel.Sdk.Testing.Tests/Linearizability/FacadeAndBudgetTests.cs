using Kernel.Sdk.Testing.Linearizability;
using static Kernel.Sdk.Testing.Tests.Linearizability.HardHistories;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

public sealed class FacadeAndBudgetTests
{
    [Fact]
    public void Step_budget_gives_unknown()
    {
        Models.TryGet("kv-cas", out var model);
        var result = model!.Check(HardHistory(12), new CheckOptions { MaxSteps = 1000 });
        Assert.Equal(Verdict.Unknown, result.Verdict);
        Assert.Contains("step budget", result.Reason, StringComparison.Ordinal);
        Assert.Null(result.Counterexample);
    }

    [Fact]
    public void Time_budget_gives_unknown()
    {
        Models.TryGet("kv-cas", out var model);
        var result = model!.Check(HardHistory(16), new CheckOptions { TimeBudget = TimeSpan.Zero });
        Assert.Equal(Verdict.Unknown, result.Verdict);
        Assert.Contains("time budget", result.Reason, StringComparison.Ordinal);
    }

    /// <summary>A clock that moves one second every time it is read.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => 1;

        public override long GetTimestamp() => ++_now;
    }

    [Fact]
    public void A_time_budget_that_runs_out_reports_the_steps_explored()
    {
        Models.TryGet("kv-cas", out var model);
        var result = model!.Check(HardHistory(16), new CheckOptions { TimeBudget = TimeSpan.FromSeconds(0.5), TimeProvider = new SteppingClock() });
        Assert.Equal(Verdict.Unknown, result.Verdict);
        Assert.Equal(4096, result.Steps);
        Assert.Equal("time budget of 0.5 s exhausted after 4096 steps", result.Reason);
    }

    [Fact]
    public void Without_budget_the_hard_history_is_refuted()
    {
        Models.TryGet("kv-cas", out var model);
        var result = model!.Check(HardHistory(8));
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Equal(8, result.Counterexample!.LinearizedPrefix.Count);
        Assert.Equal("get(\"k\") -> \"never-written\"", Assert.Single(result.Counterexample.Unlinearizable).Description);
    }

    /// <summary>A plugin author's own model through the typed API: a counter with increments and reads.</summary>
    private sealed class CounterModel : ILinearizabilityModel<int, int, int>
    {
        public int Init() => 0;

        public bool Step(int state, int input, int output, out int next)
        {
            next = state + input;
            return input != 0 || output == state;
        }
    }

    [Fact]
    public void Typed_api_with_custom_model()
    {
        var model = new CounterModel();
        Operation<int, int>[] ok =
        [
            new(0, 1, 0, 0, 10),
            new(1, 1, 1, 0, 11),
            new(2, 0, 2, 1, 5),   // read 1 while both increments are in flight
            new(2, 0, 12, 2, 13),
        ];
        Assert.Equal(Verdict.Linearizable, LinearizabilityChecker.Check(model, ok).Verdict);
        ok[3] = ok[3] with { Output = 3 };
        var result = LinearizabilityChecker.Check(model, ok);
        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Equal(3, Assert.Single(result.Counterexample!.Unlinearizable).Index);

        Assert.Throws<ArgumentException>(() => LinearizabilityChecker.Check(model, [new Operation<int, int>(0, 1, 5, 0, 4)]));
        Assert.Equal(Verdict.Linearizable, LinearizabilityChecker.Check(model, [new Operation<int, int>(0, 1, 5, 0, Operation<int, int>.Pending)]).Verdict);
    }
}
