using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

/// <summary>
/// Writes of unknown outcome that no read observes: the shape of the VR and ZAB histories (seeds vr/5/176, vr/3/153,
/// zab/3/78, zab/7/118, zab/7/131 under every fault) the checker once gave up on after tens of millions of steps. One key
/// holds a value, a cas of unknown outcome that must have happened, many puts and appends of unknown outcome invoked before
/// it that nobody reads, then a read. The search used to try every subset and order of those writes (each leaves a
/// different value); it now merges the values no operation of the key can observe and never linearizes an unanswered
/// operation that leaves the state unchanged.
/// </summary>
public sealed class UnknownOutcomeTests
{
    private const int UnansweredWrites = 24;

    /// <summary>Steps both histories take with the rules (measured: about 1,300 for the linearizable one); the plain search needs millions.</summary>
    private const long StepBound = 5_000;

    private static HistoryModel KvCas => Models.TryGet("kv-cas", out var m) ? m : throw new InvalidOperationException();

    /// <summary>put v0; N unanswered writes (puts and appends, alternating), then an unanswered cas v0 -> w; then a read.</summary>
    internal static History UnreadWrites(int writes, string read)
    {
        var b = new HistoryBuilder();
        b.Invoke(0, "put", "k", "v0").Ok(0);
        for (var i = 0; i < writes; i++)
        {
            var p = 1 + i;
            b.Invoke(p, i % 2 == 0 ? "append" : "put", "k", i % 2 == 0 ? "+" + i : "u" + i).Info(p);
        }

        var cas = writes + 1;
        b.InvokeCas(cas, "k", "v0", "w").Info(cas);
        var reader = writes + 2;
        return b.Invoke(reader, "get", "k").Ok(reader, read).Build();
    }

    [Theory]
    [InlineData("w", Verdict.Linearizable)]
    [InlineData("never-written", Verdict.NotLinearizable)]
    public void Unanswered_writes_nobody_reads_are_decided_in_few_steps(string read, Verdict expected)
    {
        var result = KvCas.Check(UnreadWrites(UnansweredWrites, read), new CheckOptions { MaxSteps = StepBound });

        Assert.Equal(expected, result.Verdict);
        Assert.True(result.Steps < StepBound, $"{result.Steps} steps");
    }

    [Theory]
    [InlineData(UnchangedStateRule.Off, KvMerging.Prefixes)]
    [InlineData(UnchangedStateRule.SkipPending, KvMerging.Off)]
    [InlineData(UnchangedStateRule.Off, KvMerging.Off)]
    internal void Without_either_rule_the_search_exhausts_a_budget_far_above_what_it_needs(UnchangedStateRule unchanged, KvMerging merging)
    {
        // Each rule alone is not enough here: merged values still come in every subset of the unanswered writes used, and
        // without merging every value they leave is a different state.
        var result = WithRules(unchanged, merging, () => KvCas.Check(UnreadWrites(UnansweredWrites, "w"), new CheckOptions { MaxSteps = 100 * StepBound }));

        Assert.Equal(Verdict.Unknown, result.Verdict);
    }

    [Fact]
    public void A_value_that_an_append_can_turn_into_a_read_one_is_not_merged()
    {
        // "a" is read by nobody, but "a" + "b" is: merging "a" (by equality with the values read) refutes a correct history.
        var history = new HistoryBuilder()
            .Invoke(0, "put", "k", "a").Ok(0)
            .Invoke(0, "append", "k", "b").Ok(0)
            .Invoke(1, "get", "k").Ok(1, "ab")
            .Build();

        Assert.Equal(Verdict.Linearizable, KvCas.Check(history).Verdict);
        Assert.Equal(Verdict.NotLinearizable, WithRules(UnchangedStateRule.SkipPending, KvMerging.WrongEqualityOnly, () => KvCas.Check(history)).Verdict);
    }

    [Fact]
    public void A_completed_operation_that_leaves_the_state_unchanged_is_still_linearized()
    {
        // Skipping a read because it changes nothing (the rule is for unanswered operations only) leaves it never linearized.
        var history = new HistoryBuilder()
            .Invoke(0, "put", "k", "a").Ok(0)
            .Invoke(1, "get", "k").Ok(1, "a")
            .Build();

        Assert.Equal(Verdict.Linearizable, KvCas.Check(history).Verdict);
        Assert.Equal(Verdict.NotLinearizable, WithRules(UnchangedStateRule.WrongSkipAny, KvMerging.Prefixes, () => KvCas.Check(history)).Verdict);
    }

    [Fact]
    public void A_counterexample_names_a_merged_value_as_one_nobody_reads()
    {
        // put u (never read), then a read of v0 that must follow it: the state shown is the merged value.
        var history = new HistoryBuilder()
            .Invoke(0, "put", "k", "v0").Ok(0)
            .Invoke(0, "put", "k", "u").Ok(0)
            .Invoke(1, "get", "k").Ok(1, "v0")
            .Build();

        var result = KvCas.Check(history);

        Assert.Equal(Verdict.NotLinearizable, result.Verdict);
        Assert.Equal("(a value no operation reads)", result.Counterexample!.StateAfterPrefix);
    }

    internal static CheckResult WithRules(UnchangedStateRule unchanged, KvMerging merging, Func<CheckResult> check)
    {
        LinearizabilityChecker.UnchangedState = unchanged;
        KvModel.Merging = merging;
        try
        {
            return check();
        }
        finally
        {
            LinearizabilityChecker.UnchangedState = UnchangedStateRule.SkipPending;
            KvModel.Merging = KvMerging.Prefixes;
        }
    }
}
