using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

public sealed class FacadeAndBudgetTests
{
    /// <summary>Many concurrent appends and an impossible read: the search must explore many orders before failing.</summary>
    internal static History HardHistory(int writers)
    {
        var b = new HistoryBuilder();
        for (var p = 0; p < writers; p++)
        {
            b.Invoke(p, "append", "k", ((char)('a' + p)).ToString());
        }

        b.Invoke(writers, "get", "k");
        for (var p = 0; p < writers; p++)
        {
            b.Ok(p);
        }

        return b.Ok(writers, "never-written").Build();
    }

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
    public void RunAll_checks_every_file_and_returns_the_worst_code()
    {
        var dir = Directory.CreateTempSubdirectory("lin-all");
        try
        {
            var ok = Path.Combine(dir.FullName, "ok.jsonl");
            File.WriteAllText(ok, "{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"a\"}\n{\"process\":0,\"type\":\"ok\",\"f\":\"put\",\"key\":\"k\",\"value\":\"a\"}\n");
            var bad = Path.Combine(dir.FullName, "bad.jsonl");
            File.WriteAllText(bad, "{\"process\":0,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\"}\n{\"process\":0,\"type\":\"ok\",\"f\":\"get\",\"key\":\"k\",\"value\":\"zz\"}\n");
            var blank = Path.Combine(dir.FullName, "blank.edn");
            File.WriteAllText(blank, " \n ");

            Assert.Equal(0, HistoryCheck.RunAll("kv-cas", [ok, ok], new StringWriter()));
            Assert.Equal(1, HistoryCheck.RunAll("kv-cas", [ok, bad], new StringWriter()));
            Assert.Equal(1, HistoryCheck.RunAll("kv-cas", [bad, ok], new StringWriter()));
            var output = new StringWriter();
            Assert.Equal(2, HistoryCheck.RunAll("kv-cas", [bad, blank, ok], output));
            Assert.Contains($"{blank}: no operations (the file is only whitespace)", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("3 files: 1 linearizable, 1 not linearizable, 1 unknown or unreadable", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, HistoryCheck.RunAll("kv-cas", [], new StringWriter()));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
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

    [Fact]
    public void Run_exit_codes_and_messages()
    {
        var dir = Directory.CreateTempSubdirectory("lin-facade");
        try
        {
            var ok = Path.Combine(dir.FullName, "ok.jsonl");
            File.WriteAllText(ok, "{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"a\"}\n{\"process\":0,\"type\":\"ok\",\"f\":\"put\",\"key\":\"k\",\"value\":\"a\"}\n");
            var bad = Path.Combine(dir.FullName, "bad.hist");
            File.WriteAllText(bad, "{\"process\":0,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\"}\n{\"process\":0,\"type\":\"ok\",\"f\":\"get\",\"key\":\"k\",\"value\":\"zz\"}\n");
            var broken = Path.Combine(dir.FullName, "broken.edn");
            File.WriteAllText(broken, "[{:process 0 :type :invoke");
            var hard = Path.Combine(dir.FullName, "hard.jsonl");
            using (var w = new StreamWriter(hard))
            {
                JsonLinesHistory.Write(HardHistory(12), w);
            }

            var output = new StringWriter();
            Assert.Equal(0, HistoryCheck.Run("kv-cas", ok, output));
            Assert.Contains("linearizable", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(1, HistoryCheck.Run("kv-cas", bad, output));
            Assert.Contains("NOT linearizable", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("get(\"k\") -> \"zz\"", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("(line 1)", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheck.Run("kv-cas", broken, output));
            Assert.Contains("broken.edn:1:", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheck.Run("no-such-model", ok, output));
            Assert.Contains("Valid models: register, cas-register", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheck.Run("kv-cas", Path.Combine(dir.FullName, "missing.jsonl"), output));
            Assert.Contains("cannot read", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheck.Run("kv-cas", hard, output, options: new CheckOptions { MaxSteps = 100 }));
            Assert.Contains("unknown", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheck.Run("kv", ok, output, HistoryFormat.Edn));
            Assert.Contains("error:", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
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
