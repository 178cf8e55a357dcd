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

        var (code2, stdout2, _) = await RunCli("check-history", "--model", "nope", path);
        Assert.Equal(2, code2);
        Assert.Contains("Valid models: register, cas-register, etcd-register-with-cas, kv, kv-cas, multi-register, mutex", stdout2);

        var (code3, _, err3) = await RunCli("check-history", "--model", "kv", "--format", "xml", path);
        Assert.Equal(2, code3);
        Assert.Contains("--format 'xml' is not a format", err3);
    }
}
