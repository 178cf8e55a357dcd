using System.Text;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>
/// A transcript in the datadriven format: <c>#</c> comments and blank lines, then commands, each one line followed by
/// <c>----</c> and its expected output, which ends at a blank line (or the end of the file). Output that holds blank lines
/// is opened with two <c>----</c> lines and closed by two.
/// </summary>
internal sealed class TranscriptFile
{
    public const string Separator = "----";

    private readonly string[] _lines;

    private TranscriptFile(string path, string[] lines, IReadOnlyList<Directive> directives)
    {
        Path = path;
        _lines = lines;
        Directives = directives;
    }

    public string Path { get; }

    public IReadOnlyList<Directive> Directives { get; }

    /// <summary>A command and where its expected output sits in the file (line indexes from 0).</summary>
    /// <param name="Line">The command's line, from 1.</param>
    /// <param name="Text">The command as written.</param>
    /// <param name="Expected">The expected output, or null when no <c>----</c> follows the command.</param>
    /// <param name="BlockStart">Index of the first line of the output block (its first separator).</param>
    /// <param name="BlockEnd">Index after the last line of the output block.</param>
    internal sealed record Directive(int Line, string Text, string? Expected, int BlockStart, int BlockEnd);

    /// <summary>Parses a transcript; throws <see cref="TranscriptInputException"/> naming the line of a malformed block.</summary>
    public static TranscriptFile Parse(string path, string content)
    {
        var lines = content.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1]; // the final newline does not open an empty line
        }

        var directives = new List<Directive>();
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                i++;
                continue;
            }

            if (line.Trim() == Separator)
            {
                throw new TranscriptInputException(i + 1, $"'{Separator}' with no command above it (a command is one line, then '{Separator}', then its output up to a blank line)");
            }

            var command = line.Trim();
            if (i + 1 >= lines.Length || lines[i + 1].Trim() != Separator)
            {
                directives.Add(new Directive(i + 1, command, null, i + 1, i + 1));
                i++;
                continue;
            }

            int end;
            string expected;
            if (i + 2 < lines.Length && lines[i + 2].Trim() == Separator)
            {
                var close = i + 3;
                while (close + 1 < lines.Length && !(lines[close].Trim() == Separator && lines[close + 1].Trim() == Separator))
                {
                    close++;
                }

                if (close + 1 >= lines.Length)
                {
                    throw new TranscriptInputException(i + 1, $"the output of '{command}' is opened by two '{Separator}' lines but never closed by two");
                }

                expected = string.Join('\n', lines[(i + 3)..close].Select(l => l.TrimEnd()));
                end = close + 2;
            }
            else
            {
                end = i + 2;
                while (end < lines.Length && lines[end].Trim().Length > 0)
                {
                    end++;
                }

                expected = string.Join('\n', lines[(i + 2)..end].Select(l => l.TrimEnd()));
            }

            directives.Add(new Directive(i + 1, command, expected, i + 1, end));
            i = end;
        }

        return new TranscriptFile(path, lines, directives);
    }

    /// <summary>
    /// The file with each command's output block replaced by the given actual output (one per directive run); blocks
    /// whose output did not change, comments and commands are kept as written.
    /// </summary>
    public string Rewrite(IReadOnlyList<string> actual)
    {
        var text = new StringBuilder();
        var next = 0;
        for (var d = 0; d < Directives.Count; d++)
        {
            var directive = Directives[d];
            for (; next < directive.BlockStart; next++)
            {
                text.Append(_lines[next]).Append('\n');
            }

            var output = d < actual.Count ? actual[d] : directive.Expected ?? string.Empty;
            if (output == directive.Expected)
            {
                for (; next < directive.BlockEnd; next++)
                {
                    text.Append(_lines[next]).Append('\n'); // unchanged: kept as written
                }
            }
            else
            {
                AppendBlock(text, output);
            }

            next = directive.BlockEnd;
            if (next < _lines.Length && _lines[next].Trim().Length > 0)
            {
                text.Append('\n'); // a block inserted before the next command needs its blank line
            }
        }

        for (; next < _lines.Length; next++)
        {
            text.Append(_lines[next]).Append('\n');
        }

        return text.ToString();
    }

    private static void AppendBlock(StringBuilder text, string output)
    {
        var lines = output.Split('\n');
        var twoSeparators = lines.Any(l => l.Trim().Length == 0);
        text.Append(Separator).Append('\n');
        if (twoSeparators)
        {
            text.Append(Separator).Append('\n');
        }

        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        if (twoSeparators)
        {
            text.Append(Separator).Append('\n').Append(Separator).Append('\n');
        }
    }
}
