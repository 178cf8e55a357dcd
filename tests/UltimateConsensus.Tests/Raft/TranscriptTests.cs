using System.Runtime.CompilerServices;

using Kernel.Sdk.Testing.Transcripts;

namespace UltimateConsensus.Tests.Raft;

/// <summary>
/// Runs every Raft transcript of <c>Raft/testdata</c> (copied to the test output), one case per file. With
/// <c>KERNEL_REWRITE_TRANSCRIPTS=1</c> the runner writes the actual outputs back into the source files instead.
/// </summary>
public sealed class TranscriptTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in TranscriptRunner.FindTranscripts(OutputFolder))
        {
            data.Add(Path.GetRelativePath(OutputFolder, file));
        }

        return data;
    }

    private static string OutputFolder => Path.Combine(AppContext.BaseDirectory, "Raft", "testdata");

    [Theory]
    [MemberData(nameof(Files))]
    public void TranscriptHolds(string name)
    {
        var runner = new TranscriptRunner(new RaftStrategy());

        // Rewriting must change the files in the source tree, not their copies in the test output.
        var result = runner.Run(Path.Combine(runner.Rewrite ? SourceFolder() : OutputFolder, name));

        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void EveryTopicHasATranscript()
    {
        var names = TranscriptRunner.FindTranscripts(OutputFolder).Select(Path.GetFileNameWithoutExtension).ToHashSet();

        Assert.Superset(new HashSet<string?> { "election", "prevote_checkquorum", "log_conflict", "snapshot_catchup", "membership", "read_index" }, names);
    }

    private static string SourceFolder([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "testdata");
}
