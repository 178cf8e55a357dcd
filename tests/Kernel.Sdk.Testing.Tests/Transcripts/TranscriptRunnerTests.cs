using Kernel.Sdk.Testing.Tests.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Transcripts;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Transcripts;

/// <summary>The transcript runner itself: matching, mismatches with their line and diff, rewrite mode and bad input.</summary>
public sealed class TranscriptRunnerTests : IDisposable
{
    private const string Pings = """
        # Two pinging nodes.
        add-nodes 2
        ----
        ok

        tick all
        ----
        ok

        process-ready all
        ----
        > 1 handling Ready
          state: Follower term=0 leader=none
          messages:
            Ping { From = n1, To = n2, Seq = 1 }
        > 2 handling Ready
          state: Follower term=0 leader=none
          messages:
            Ping { From = n2, To = n1, Seq = 1 }

        deliver to=2
        ----
        Ping { From = n1, To = n2, Seq = 1 }

        deliver drop=true
        ----
        dropped: Ping { From = n2, To = n1, Seq = 1 }

        status
        ----
        1: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1,2)
        2: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1,2)

        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"transcripts-{Guid.NewGuid():N}");

    public TranscriptRunnerTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TranscriptRunner Runner(bool rewrite = false) => new(new PingStrategy()) { Rewrite = rewrite };

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    [Fact]
    public void MatchingTranscriptPasses()
    {
        var result = Runner().Run(Write("pings.txt", Pings));

        Assert.True(result.Passed, result.ToString());
        Assert.Equal(6, result.Commands);
        Assert.Empty(result.Mismatches);
        Assert.False(result.Rewritten);
    }

    [Fact]
    public void WrongExpectedOutputIsAMismatchAtTheCommandsLine()
    {
        var path = Write("wrong.txt", Pings.Replace("----\nPing { From = n1, To = n2, Seq = 1 }", "----\nPing { From = n1, To = n2, Seq = 7 }", StringComparison.Ordinal));

        var result = Runner().Run(path);

        Assert.False(result.Passed);
        Assert.Null(result.Error);
        var mismatch = Assert.Single(result.Mismatches);
        Assert.Equal(21, mismatch.Line); // "deliver to=2"
        Assert.Equal("deliver to=2", mismatch.Command);
        Assert.Equal("Ping { From = n1, To = n2, Seq = 7 }", mismatch.Expected);
        Assert.Equal("Ping { From = n1, To = n2, Seq = 1 }", mismatch.Actual);
        Assert.Equal("- Ping { From = n1, To = n2, Seq = 7 }\n+ Ping { From = n1, To = n2, Seq = 1 }", mismatch.Diff);
        Assert.Contains($"{path}:21: output of 'deliver to=2' differs", result.ToString(), StringComparison.Ordinal);
        Assert.Contains(TranscriptRunner.RewriteVariable, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DiffShowsContextAroundAChangeInALongOutput()
    {
        var expected = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i}"));
        var actual = expected.Replace("line 10", "line ten", StringComparison.Ordinal);

        var diff = new TranscriptMismatch("f", 1, "c", expected, actual).Diff;

        Assert.Equal("  ...\n  line 7\n  line 8\n  line 9\n- line 10\n+ line ten\n  line 11\n  line 12\n  line 13\n  ...", diff);
    }

    [Fact]
    public void RewriteModeWritesTheActualOutputsBackKeepingCommentsAndCommands()
    {
        var wrong = Pings
            .Replace("----\nPing { From = n1, To = n2, Seq = 1 }", "----\nsomething else\nand more", StringComparison.Ordinal)
            .Replace("status\n----\n1: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1,2)\n2: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1,2)\n", "status\n", StringComparison.Ordinal);
        var path = Write("rewrite.txt", wrong);

        var result = Runner(rewrite: true).Run(path);

        Assert.True(result.Passed, result.ToString());
        Assert.True(result.Rewritten);
        Assert.Equal(2, result.Mismatches.Count); // the wrong output, and the missing one
        Assert.Equal(Pings.ReplaceLineEndings("\n"), File.ReadAllText(path));
        Assert.True(Runner().Run(path).Passed);
    }

    [Fact]
    public void RewriteModeLeavesAMatchingFileAlone()
    {
        var path = Write("same.txt", Pings);
        var before = File.GetLastWriteTimeUtc(path);

        var result = Runner(rewrite: true).Run(path);

        Assert.True(result.Passed);
        Assert.False(result.Rewritten);
        Assert.Equal(before, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void AMissingOutputIsAnErrorThatRewriteModeFillsIn()
    {
        var path = Write("double.txt", "# a command with no output block yet\nadd-nodes 1\n\nstatus\n----\n----\n1: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1)\n----\n----\n");

        var result = Runner().Run(path);

        Assert.Contains($"{path}:2: 'add-nodes 1' has no '----' line", result.Error, StringComparison.Ordinal);
        Assert.True(Runner(rewrite: true).Run(path).Passed);
        Assert.Equal("# a command with no output block yet\nadd-nodes 1\n----\nok\n\nstatus\n----\n----\n1: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1)\n----\n----\n", File.ReadAllText(path)); // the double block matched: kept
        Assert.True(Runner().Run(path).Passed);
    }

    [Theory]
    [InlineData("----\nok\n", 1, "'----' with no command above it")]
    [InlineData("add-nodes 1\n----\n----\nok\n", 1, "never closed by two")]
    [InlineData("add-nodes 1\n----\nok\n\nfrobnicate 1\n----\nok\n", 5, "'frobnicate 1': unknown command 'frobnicate'; allowed: add-nodes, tick, tick-election, process-ready, deliver, stabilize")]
    [InlineData("add-nodes 1\n----\nok\n\ntick 1 times=x\n----\nok\n", 5, "'tick 1 times=x': times 'x' is not a whole number from 1 to 1000000; usage: tick <nodes|all> [times=<n>]")]
    [InlineData("add-nodes 1\n----\nok\n\ntick 1 speed=2\n----\nok\n", 5, "unknown argument 'speed'; allowed: times")]
    [InlineData("add-nodes 1\n----\nok\n\ntick 4\n----\nok\n", 5, "there is no node 4; the nodes are 1")]
    [InlineData("add-nodes 1\n----\nok\n\npropose-membership-change 1 promote 2\n----\nok\n", 5, "'promote' is not a membership change; allowed: add-learner, add-voter, remove")]
    [InlineData("add-nodes 1\n----\nok\n\ntick-election 1\n----\nok\n", 5, "node 1 ticked 100000 times and its role, term and leader stayed the same")]
    [InlineData("add-nodes 1\n----\nok\n\npropose 1 \"unclosed\n----\nok\n", 5, "a '\"' is never closed")]
    public void BadInputIsAnErrorNamingFileLineAndWhatIsAllowed(string content, int line, string message)
    {
        var path = Write("bad.txt", content);

        var result = Runner().Run(path);

        Assert.False(result.Passed);
        Assert.NotNull(result.Error);
        Assert.StartsWith($"{path}:{line}: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RewriteModeDoesNotTouchAFileThatStopsOnAnError()
    {
        var content = "add-nodes 1\n----\nwrong\n\nfrobnicate\n----\nok\n";
        var path = Write("error.txt", content);

        var result = Runner(rewrite: true).Run(path);

        Assert.False(result.Passed);
        Assert.False(result.Rewritten);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void InvalidStrategyOptionsAreReportedWithTheStrategysWords()
    {
        var path = Write("options.txt", "add-nodes 3 electionTimeoutMinTicks=zero\n----\nok\n");

        var result = new TranscriptRunner(new PickyPing()).Run(path);

        Assert.False(result.Passed);
        Assert.StartsWith($"{path}:1: 'add-nodes 3 electionTimeoutMinTicks=zero': the strategy's options are not valid: unknown option 'electionTimeoutMinTicks'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputBetweenDoubleSeparatorsIsReadAndKeptAsWritten()
    {
        const string content = "add-nodes 1\n----\n----\nok\n----\n----\n\nstatus\n----\nwrong\n";
        var path = Write("double.txt", content);

        var result = Runner(rewrite: true).Run(path);

        Assert.True(result.Rewritten);
        Assert.Equal("add-nodes 1\n----\n----\nok\n----\n----\n\nstatus\n----\n1: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1)\n", File.ReadAllText(path));
        Assert.True(Runner().Run(path).Passed);
    }

    [Fact]
    public void PartitionsAndCrashesDropMessagesAndSaySo()
    {
        var path = Write("partition.txt", """
            add-nodes 3
            ----
            ok

            partition (1) (2,3)
            ----
            ok

            crash 3
            ----
            ok

            tick 1 2
            ----
            ok

            stabilize
            ----
            > 1 handling Ready
              state: Follower term=0 leader=none
              messages:
                Ping { From = n1, To = n2, Seq = 1 }
                Ping { From = n1, To = n3, Seq = 2 }
            > 2 handling Ready
              state: Follower term=0 leader=none
              messages:
                Ping { From = n2, To = n1, Seq = 1 }
                Ping { From = n2, To = n3, Seq = 2 }
            > 1 receiving messages
              dropped (partitioned): Ping { From = n2, To = n1, Seq = 1 }
            > 2 receiving messages
              dropped (partitioned): Ping { From = n1, To = n2, Seq = 1 }
            > 3 receiving messages
              dropped (3 is down): Ping { From = n1, To = n3, Seq = 2 }
              dropped (3 is down): Ping { From = n2, To = n3, Seq = 2 }

            status
            ----
            1: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1,2,3)
            2: Follower term=0 leader=none last=0 commit=0 applied=0 voters=(1,2,3)
            3: down

            """);

        var result = Runner().Run(path);

        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void ARealProtocolRunsTheSameTwiceAcrossCrashAndRestart()
    {
        // A toy Raft elects, replicates, crashes and recovers from its WAL on the simulated disk; the runner fills the
        // outputs in once, and a fresh runner must reproduce them exactly.
        var path = Write("toy.txt", """
            add-nodes 3
            tick-election 1
            stabilize
            propose 1 hello
            stabilize
            crash 2
            restart 2
            status
            applied
            """);
        var toy = new ToyRaftStrategy();

        var first = new TranscriptRunner(toy) { Rewrite = true }.Run(path);
        var second = new TranscriptRunner(toy) { Rewrite = false }.Run(path);

        Assert.True(first.Passed, first.ToString());
        Assert.True(second.Passed, second.ToString());
        var text = File.ReadAllText(path);
        Assert.Contains("1: Leader term=1 leader=1", text, StringComparison.Ordinal);
        Assert.Contains("recovered: hard state yes", text, StringComparison.Ordinal);
        Assert.Contains("\"hello\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAllRunsEveryFileInOrderAndAnEmptyFolderFails()
    {
        Write("b.txt", Pings);
        Write("a.txt", Pings.Replace("voters=(1,2)\n2:", "voters=(9)\n2:", StringComparison.Ordinal));

        var results = Runner().RunAll(_folder);

        Assert.Equal(["a.txt", "b.txt"], results.Select(r => Path.GetFileName(r.Path)));
        Assert.False(results[0].Passed);
        Assert.True(results[1].Passed);

        var empty = Runner().RunAll(Path.Combine(_folder, "missing"));
        Assert.False(Assert.Single(empty).Passed);
    }

    /// <summary>Ping with a strategy that validates its options: it knows none.</summary>
    private sealed class PickyPing : Kernel.Sdk.Consensus.IConsensusStrategy
    {
        private readonly PingStrategy _ping = new();

        public Kernel.Sdk.Strategies.StrategyCategory Category => _ping.Category;

        public string Name => "picky-ping";

        public string Description => "pings, and knows no options";

        public Kernel.Sdk.Cluster.IMessageCodec Codec => _ping.Codec;

        public Kernel.Sdk.Consensus.ConsensusCapabilities Capabilities => _ping.Capabilities;

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) =>
            [.. options.AsEnumerable().Where(p => p.Value is not null).Select(p => $"unknown option '{p.Key}'")];

        public Kernel.Sdk.Consensus.IConsensusStorage OpenStorage(Kernel.Sdk.Storage.IDurableDirectory directory) => _ping.OpenStorage(directory);

        public Kernel.Sdk.Consensus.IConsensusNode CreateNode(Kernel.Sdk.Consensus.ConsensusNodeOptions options) => _ping.CreateNode(options);
    }
}
