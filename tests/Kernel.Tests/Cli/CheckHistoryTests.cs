using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Cli;

public sealed class CheckHistoryTests
{
    private static string Write(string name, string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kernel-history-{Guid.NewGuid():N}-{name}");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_linearizable_history_exits_0()
    {
        var path = Write("ok.jsonl", """
            {"process":1,"type":"invoke","f":"put","key":"x","value":"a"}
            {"process":1,"type":"ok","f":"put","key":"x","value":"a"}
            {"process":2,"type":"invoke","f":"get","key":"x","value":null}
            {"process":2,"type":"ok","f":"get","key":"x","value":"a"}
            """);
        var (code, stdout, _) = await RunCli("check-history", "--model", "kv-cas", path);
        Assert.Equal(0, code);
        Assert.Contains("linearizable", stdout);
    }

    [Fact]
    public async Task A_stale_read_exits_1_with_a_counterexample()
    {
        var path = Write("bad.jsonl", """
            {"process":1,"type":"invoke","f":"put","key":"x","value":"a"}
            {"process":1,"type":"ok","f":"put","key":"x","value":"a"}
            {"process":2,"type":"invoke","f":"put","key":"x","value":"b"}
            {"process":2,"type":"ok","f":"put","key":"x","value":"b"}
            {"process":3,"type":"invoke","f":"get","key":"x","value":null}
            {"process":3,"type":"ok","f":"get","key":"x","value":"a"}
            """);
        var (code, stdout, _) = await RunCli("check-history", "--model", "kv-cas", path);
        Assert.Equal(1, code);
        Assert.Contains("NOT linearizable", stdout);
        Assert.Contains("cannot be linearized", stdout);
    }

    [Fact]
    public async Task Unreadable_input_and_unknown_models_exit_2_with_the_reason()
    {
        var path = Write("broken.jsonl", "{\"process\":1,\"type\":\"invoke\"\n");
        var (code, stdout, _) = await RunCli("check-history", "--model", "kv-cas", path);
        Assert.Equal(2, code);
        Assert.Contains($"{path}:1:", stdout);
        Assert.Contains("invalid JSON", stdout);

        var (code2, _, err2) = await RunCli("check-history", "--model", "nope", path);
        Assert.Equal(2, code2);
        Assert.Contains("--model 'nope' is not a model; models: register, cas-register, etcd-register-with-cas, kv, kv-cas, multi-register, mutex.", err2);

        var (code3, _, err3) = await RunCli("check-history", "--model", "kv", "--format", "xml", path);
        Assert.Equal(2, code3);
        Assert.Contains("--format 'xml' is not a format; formats: jepsen-log, edn-lines, edn, jsonl.", err3);
    }

    private const string Linearizable = """
        {"process":1,"type":"invoke","f":"put","key":"x","value":"a"}
        {"process":1,"type":"ok","f":"put","key":"x","value":"a"}
        """;

    private const string StaleRead = """
        {"process":1,"type":"invoke","f":"get","key":"x","value":null}
        {"process":1,"type":"ok","f":"get","key":"x","value":"zz"}
        """;

    [Fact]
    public async Task Every_file_is_checked_and_the_worst_exit_code_wins()
    {
        var ok = Write("ok.jsonl", Linearizable);
        var ok2 = Write("ok2.jsonl", Linearizable);
        var bad = Write("bad.jsonl", StaleRead);
        var empty = Write("empty.jsonl", "");

        var (allOk, okOut, _) = await RunCli("check-history", "--model", "kv-cas", ok, ok2);
        Assert.Equal(0, allOk);
        Assert.Contains($"{ok}: linearizable", okOut);
        Assert.Contains($"{ok2}: linearizable", okOut);
        Assert.Contains("2 files: 2 linearizable, 0 not linearizable, 0 unknown or unreadable", okOut);

        // The bad file second: a check of only the first would be a false green.
        var (one, oneOut, _) = await RunCli("check-history", "--model", "kv-cas", ok, bad);
        Assert.Equal(1, one);
        Assert.Contains($"{ok}: linearizable", oneOut);
        Assert.Contains($"{bad}: NOT linearizable", oneOut);
        Assert.Contains("2 files: 1 linearizable, 1 not linearizable, 0 unknown or unreadable", oneOut);

        var (two, twoOut, _) = await RunCli("check-history", "--model", "kv-cas", bad, empty, ok);
        Assert.Equal(2, two);
        Assert.Contains($"{bad}: NOT linearizable", twoOut);
        Assert.Contains($"{ok}: linearizable", twoOut);
        Assert.Contains("3 files: 1 linearizable, 1 not linearizable, 1 unknown or unreadable", twoOut);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("  \n\t\n", "only whitespace")]
    public async Task An_empty_or_blank_file_is_bad_input_not_a_verdict(string text, string what)
    {
        var path = Write("blank.jsonl", text);
        var (code, stdout, _) = await RunCli("check-history", "--model", "kv-cas", path);
        Assert.Equal(2, code);
        Assert.Contains($"error: {path}: no operations (the file is {what}); a history needs at least one invoke", stdout);
        Assert.DoesNotContain("linearizable", stdout);
    }

    [Fact]
    public async Task A_missing_file_or_a_folder_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"kernel-history-{Guid.NewGuid():N}-missing.jsonl");
        var (code, stdout, _) = await RunCli("check-history", "--model", "kv-cas", missing);
        Assert.Equal(2, code);
        Assert.Equal($"error: cannot read {missing}: no such file", stdout.Trim());

        var folder = Path.GetTempPath();
        var (code2, stdout2, _) = await RunCli("check-history", "--model", "kv-cas", folder);
        Assert.Equal(2, code2);
        Assert.Contains($"error: cannot read {folder}: it is a directory, not a history file", stdout2);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e300")]
    [InlineData("86401")]
    public async Task A_timeout_out_of_range_is_bad_input(string value)
    {
        var path = Write("ok.jsonl", Linearizable);
        var (code, stdout, err) = await RunCli("check-history", "--model", "kv-cas", "--timeout", value, path);
        Assert.Equal(2, code);
        Assert.Equal($"error: --timeout is '{value}'; it must be a positive number of seconds (the search budget per file) up to 86400.", err.Trim());
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_step_budget_below_one_is_bad_input(string value)
    {
        var path = Write("ok.jsonl", Linearizable);
        var (code, _, err) = await RunCli("check-history", "--model", "kv-cas", "--max-steps", value, path);
        Assert.Equal(2, code);
        Assert.Equal($"error: --max-steps is {value}; allowed 1..9223372036854775807 search steps per file.", err.Trim());
    }

    /// <summary>Concurrent puts and a read of a value never written: the search has to try every subset of the puts.</summary>
    private static string ConcurrentPuts(int writers)
    {
        var lines = new List<string>();
        for (var p = 0; p < writers; p++)
        {
            lines.Add($$"""{"process":{{p}},"type":"invoke","f":"put","key":"x","value":"{{p}}"}""");
        }

        lines.Add($$"""{"process":{{writers}},"type":"invoke","f":"get","key":"x","value":null}""");
        for (var p = 0; p < writers; p++)
        {
            lines.Add($$"""{"process":{{p}},"type":"ok","f":"put","key":"x","value":"{{p}}"}""");
        }

        lines.Add($$"""{"process":{{writers}},"type":"ok","f":"get","key":"x","value":"never"}""");
        return string.Join("\n", lines);
    }

    [Fact]
    public async Task A_budget_that_runs_out_gives_unknown_with_the_steps_explored()
    {
        var path = Write("adversarial.jsonl", ConcurrentPuts(24));

        var (code, stdout, _) = await RunCli("check-history", "--model", "kv-cas", "--timeout", "0.2", path);
        Assert.Equal(2, code);
        var match = System.Text.RegularExpressions.Regex.Match(stdout, @"unknown under kv-cas: time budget of 0\.2 s exhausted after (\d+) steps");
        Assert.True(match.Success, stdout);
        Assert.True(long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 4096, stdout);

        var (code2, stdout2, _) = await RunCli("check-history", "--model", "kv-cas", "--max-steps", "5000", path);
        Assert.Equal(2, code2);
        Assert.Contains("unknown under kv-cas: step budget of 5000 steps exhausted", stdout2);
    }

    [Fact]
    public async Task Help_states_the_exit_codes_and_the_default_budget()
    {
        var (code, raw, _) = await RunCli("check-history", "--help");
        var stdout = System.Text.RegularExpressions.Regex.Replace(raw, @"\s+", " ");
        Assert.Equal(0, code);
        Assert.Contains("Exit codes: 0 every file linearizable; 1 at least one not linearizable", stdout);
        Assert.Contains("2 bad input", stdout);
        Assert.Contains("--timeout <timeout> Search budget in seconds per file, greater than 0 and at most 86400; exhausted gives 'unknown' (exit 2) [default: 60]", stdout);
    }
}
