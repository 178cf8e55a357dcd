using static Kernel.Tests.Cli.KernelProcess;

namespace Kernel.Tests.Cli;

/// <summary>Usage errors are bad input (exit 2) with a one-line message naming the option, for every verb.</summary>
public sealed class ExitCodeTests
{
    [Theory]
    [InlineData("'abc'", "--nodes", "verify", "--strategy", "consensus/raft", "--nodes", "abc")]
    [InlineData("--strategy", "--strategy", "verify", "--strategy")]
    [InlineData("'abc'", "--timeout", "check-history", "--model", "kv", "--timeout", "abc", "x.txt")]
    [InlineData("--model", "--model", "check-history", "x.txt")]
    [InlineData("--config", "--config", "plugins", "--config")]
    [InlineData("--category", "--category", "strategies", "--category")]
    public async Task Usage_errors_exit_2_naming_the_option(string mentions, string option, params string[] args)
    {
        var (code, stdout, err) = await RunCli(args);

        Assert.Equal(2, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(option, line);
        Assert.Contains(mentions, line);
        Assert.Contains("--help", line);
        Assert.DoesNotContain("System.", line);
        Assert.DoesNotContain("   at ", err + stdout);
    }

    [Fact]
    public async Task Help_states_the_exit_codes()
    {
        var (code, stdout, _) = await RunCli("--help");

        Assert.Equal(0, code);
        Assert.Contains("Exit codes: 0 success; 1 a finding", stdout.Replace("\n", " ", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_with_a_configuration_error_prints_the_message_and_no_stack_trace()
    {
        using var folder = new TestPluginsFolder();
        folder.Add("SamplePlugin");
        var path = folder.WriteConfig("""{ "strategies": { "conflict": { "sample-lwx": { } } } }""");

        var (code, _, err) = await RunCli("run", "--config", path, "--plugins-dir", folder.Folder);

        Assert.Equal(2, code);
        Assert.Contains($"error: {path} line 1: strategies.conflict.sample-lwx names no registered strategy; conflict strategies: sample-lww.", err);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("Exception", err);
    }
}
