namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>A command of a transcript whose actual output differs from the expected output written below it.</summary>
public sealed class TranscriptMismatch
{
    internal TranscriptMismatch(string path, int line, string command, string expected, string actual)
    {
        Path = path;
        Line = line;
        Command = command;
        Expected = expected;
        Actual = actual;
        Diff = LineDiff.Unified(expected, actual);
    }

    /// <summary>The transcript file.</summary>
    public string Path { get; }

    /// <summary>The line of the command (from 1).</summary>
    public int Line { get; }

    /// <summary>The command as written.</summary>
    public string Command { get; }

    /// <summary>The output written in the file (lines joined by <c>\n</c>).</summary>
    public string Expected { get; }

    /// <summary>The output the command produced.</summary>
    public string Actual { get; }

    /// <summary>A line diff of the two, unified style: <c>-</c> expected only, <c>+</c> actual only, two spaces both.</summary>
    public string Diff { get; }

    /// <summary>File, line, command and diff, as a test failure shows them.</summary>
    public override string ToString() =>
        $"{Path}:{Line}: output of '{Command}' differs (- expected, + actual):{Environment.NewLine}{Diff}";
}
