using System.Runtime.CompilerServices;

using Kernel.Sdk.Testing.Transcripts;

namespace UltimateConsensus.Tests.Zab;

/// <summary>
/// Runs every ZAB transcript of <c>Zab/testdata</c> (copied to the test output), one case per file. With
/// <c>KERNEL_REWRITE_TRANSCRIPTS=1</c> the runner writes the actual outputs back into the source files instead.
/// </summary>
public sealed class ZabTranscriptTests
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

    private static string OutputFolder => Path.Combine(AppContext.BaseDirectory, "Zab", "testdata");

    [Theory]
    [MemberData(nameof(Files))]
    public void TranscriptHolds(string name)
    {
        var runner = new TranscriptRunner(new ZabStrategy());
        var result = runner.Run(Path.Combine(runner.Rewrite ? SourceFolder() : OutputFolder, name));

        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void EveryTopicHasATranscript()
    {
        var names = TranscriptRunner.FindTranscripts(OutputFolder).Select(Path.GetFileNameWithoutExtension).ToHashSet();

        Assert.Superset(new HashSet<string?> { "election", "leader_change_trunc", "catchup_diff_snap" }, names);
    }

    private static string SourceFolder([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "testdata");
}
