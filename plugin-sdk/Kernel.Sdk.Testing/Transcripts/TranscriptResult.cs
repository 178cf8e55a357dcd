using System.Text;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>What running one transcript found.</summary>
public sealed class TranscriptResult
{
    internal TranscriptResult(string path, int commands, IReadOnlyList<TranscriptMismatch> mismatches, string? error, bool rewritten, bool rewriteMode)
    {
        Path = path;
        Commands = commands;
        Mismatches = mismatches;
        Error = error;
        Rewritten = rewritten;
        RewriteMode = rewriteMode;
    }

    /// <summary>The transcript file.</summary>
    public string Path { get; }

    /// <summary>The commands that ran (all of them unless <see cref="Error"/> stopped the run).</summary>
    public int Commands { get; }

    /// <summary>
    /// Commands whose output differs from the expected output. In rewrite mode they are listed too, but the file now holds
    /// the actual output.
    /// </summary>
    public IReadOnlyList<TranscriptMismatch> Mismatches { get; }

    /// <summary>
    /// Why the run stopped early, naming file and line: the file is missing or malformed, a command is unknown or has a
    /// bad argument (with what is allowed), or the strategy threw. Null when every command ran.
    /// </summary>
    public string? Error { get; }

    /// <summary>True when rewrite mode wrote the actual outputs back into the file (only when they differed).</summary>
    public bool Rewritten { get; }

    /// <summary>True when every command ran and its output matched, or (in rewrite mode) was written back.</summary>
    public bool Passed => Error is null && (RewriteMode || Mismatches.Count == 0);

    private bool RewriteMode { get; }

    /// <summary>A report: the error and every mismatch with its diff, or a one-line summary when the run passed.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Passed)
        {
            text.Append(Path).Append(": ").Append(Commands).Append(" commands ").Append(Rewritten ? "run, outputs rewritten" : "passed");
            return text.ToString();
        }

        foreach (var mismatch in Mismatches)
        {
            text.AppendLine(mismatch.ToString());
        }

        if (Error is not null)
        {
            text.AppendLine(Error);
        }

        if (Mismatches.Count > 0)
        {
            text.Append("Set ").Append(TranscriptRunner.RewriteVariable).Append("=1 to write the actual outputs back into the file if the change is meant.");
        }

        return text.ToString().TrimEnd();
    }
}
