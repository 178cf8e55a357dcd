using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

/// <summary>Ground truth: every file of the shared corpus must get its labelled verdict.</summary>
public sealed class CorpusTests
{
    public static IEnumerable<object[]> Files() => CorpusLocator.Rows();

    [CorpusTheory]
    [MemberData(nameof(Files))]
    public void Verdict_matches_label(string path, string model, string expected)
    {
        var full = Path.Combine(CorpusLocator.HistoriesFolder!, path);
        Assert.True(Models.TryGet(model, out var m), $"model {model} is registered");
        var result = m.Check(HistoryCheck.Load(full), new CheckOptions { TimeBudget = TimeSpan.FromSeconds(30) });
        var want = expected == "linearizable" ? Verdict.Linearizable : Verdict.NotLinearizable;
        Assert.True(want == result.Verdict, $"{path}: expected {want}, got {result}");
        if (want == Verdict.NotLinearizable)
        {
            Assert.NotNull(result.Counterexample);
            Assert.NotEmpty(result.Counterexample!.Unlinearizable);
        }
    }

    [CorpusFact]
    public void Corpus_has_all_230_rows() => Assert.Equal(230, CorpusLocator.Rows().Count());

    [CorpusFact]
    public void Kv_violation_is_reported_for_one_key()
    {
        // The kv model is partitioned by key: the counterexample names the key that failed.
        var folder = CorpusLocator.HistoriesFolder!;
        Models.TryGet("kv", out var kv);
        Assert.Equal(Verdict.Linearizable, kv!.Check(HistoryCheck.Load(Path.Combine(folder, "porcupine/kv/c01-ok.txt"))).Verdict);
        var bad = kv.Check(HistoryCheck.Load(Path.Combine(folder, "porcupine/kv/c01-bad.txt")));
        Assert.Equal(Verdict.NotLinearizable, bad.Verdict);
        Assert.NotNull(bad.Counterexample!.PartitionKey);
    }
}
