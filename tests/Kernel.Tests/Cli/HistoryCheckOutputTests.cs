using Kernel.Host.Cli;
using Kernel.Sdk.Testing.Linearizability;
using Kernel.Sdk.Testing.Tests.Linearizability;
using static Kernel.Sdk.Testing.Tests.Linearizability.HardHistories;

namespace Kernel.Tests.Cli;

/// <summary>
/// The <c>check-history</c> verb's output around the kit's checker: one verdict line per file (with the counterexample
/// or the reason), a count line for several files, and the worst exit code (2 over 1 over 0).
/// </summary>
public sealed class HistoryCheckOutputTests
{
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

            Assert.Equal(0, HistoryCheckOutput.RunAll("kv-cas", [ok, ok], new StringWriter()));
            Assert.Equal(1, HistoryCheckOutput.RunAll("kv-cas", [ok, bad], new StringWriter()));
            Assert.Equal(1, HistoryCheckOutput.RunAll("kv-cas", [bad, ok], new StringWriter()));
            var output = new StringWriter();
            Assert.Equal(2, HistoryCheckOutput.RunAll("kv-cas", [bad, blank, ok], output));
            Assert.Contains($"{blank}: no operations (the file is only whitespace)", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("3 files: 1 linearizable, 1 not linearizable, 1 unknown or unreadable", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, HistoryCheckOutput.RunAll("kv-cas", [], new StringWriter()));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
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
            Assert.Equal(0, HistoryCheckOutput.Run("kv-cas", ok, output));
            Assert.Contains("linearizable", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(1, HistoryCheckOutput.Run("kv-cas", bad, output));
            Assert.Contains("NOT linearizable", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("get(\"k\") -> \"zz\"", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("(line 1)", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheckOutput.Run("kv-cas", broken, output));
            Assert.Contains("broken.edn:1:", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheckOutput.Run("no-such-model", ok, output));
            Assert.Contains("Valid models: register, cas-register", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheckOutput.Run("kv-cas", Path.Combine(dir.FullName, "missing.jsonl"), output));
            Assert.Contains("cannot read", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheckOutput.Run("kv-cas", hard, output, options: new CheckOptions { MaxSteps = 100 }));
            Assert.Contains("unknown", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(2, HistoryCheckOutput.Run("kv", ok, output, HistoryFormat.Edn));
            Assert.Contains("error:", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [CorpusFact]
    public void Cli_facade_exit_codes_on_corpus_files()
    {
        var folder = CorpusLocator.HistoriesFolder!;
        var output = new StringWriter();
        Assert.Equal(0, HistoryCheckOutput.Run("etcd-register-with-cas", Path.Combine(folder, "porcupine/jepsen/etcd_002.log"), output));
        Assert.Equal(1, HistoryCheckOutput.Run("kv", Path.Combine(folder, "porcupine/kv/c01-bad.txt"), output));
        Assert.Contains("partition:", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, HistoryCheckOutput.Run("mutex", Path.Combine(folder, "knossos/mutex/bad/etcd.edn"), output));
    }
}
