using System.Text;

namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>How a chunk of a three-way merge turned out.</summary>
internal enum ChunkKind
{
    /// <summary>All three agree.</summary>
    Stable,

    /// <summary>Only the left side changed the base: the left wins.</summary>
    Left,

    /// <summary>Only the right side changed the base: the right wins.</summary>
    Right,

    /// <summary>Both sides made the same change.</summary>
    Same,

    /// <summary>Both sides changed the base differently: a true conflict.</summary>
    Conflict,
}

/// <summary>A chunk of a three-way merge: the lines of each side and of the base over one stretch.</summary>
internal sealed record Diff3Chunk(ChunkKind Kind, string[] Left, string[] Base, string[] Right);

/// <summary>The outcome of a three-way merge: the merged text (markers on true conflicts) and how many conflicts it has.</summary>
internal sealed record Diff3Result(string Text, int Conflicts, IReadOnlyList<Diff3Chunk> Chunks);

/// <summary>
/// diff3 as Khanna, Kunal and Pierce state it ("A Formal Investigation of Diff3", 2007): take a longest common
/// subsequence matching of the base with each side, cut the base into maximal stable chunks (lines matched in both
/// sides, in step) and the unstable chunks between them, then resolve each unstable chunk: a side equal to the base
/// yields to the other, equal sides agree, otherwise a true conflict. Where several longest matchings exist, the one that
/// keeps the base's earlier lines matched is taken (a side's extra lines are skipped first), the same for both sides, so
/// swapping the sides mirrors the result exactly.
/// </summary>
internal static class Diff3
{
    /// <summary>Splits text into lines, each keeping its <c>\n</c> (the last may have none), so joining them restores the text.</summary>
    public static string[] Lines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            lines.Add(text[start..end]);
            start = end;
        }

        return [.. lines];
    }

    /// <summary>
    /// A longest common subsequence matching of <paramref name="baseLines"/> with <paramref name="side"/>: for each base
    /// line, the index of the side line it is matched with, or -1. Common prefix and suffix are matched first; the rest by
    /// dynamic programming (quadratic in the lines between them).
    /// </summary>
    public static int[] Match(string[] baseLines, string[] side)
    {
        var match = new int[baseLines.Length];
        Array.Fill(match, -1);
        int n = baseLines.Length, m = side.Length;
        var prefix = 0;
        while (prefix < n && prefix < m && baseLines[prefix] == side[prefix])
        {
            match[prefix] = prefix;
            prefix++;
        }

        var suffix = 0;
        while (suffix < n - prefix && suffix < m - prefix && baseLines[n - 1 - suffix] == side[m - 1 - suffix])
        {
            match[n - 1 - suffix] = m - 1 - suffix;
            suffix++;
        }

        int rows = n - prefix - suffix, cols = m - prefix - suffix;
        if (rows == 0 || cols == 0)
        {
            return match;
        }

        // lcs[i, j]: the length of a longest common subsequence of base[prefix + i..] and side[prefix + j..] (middles only).
        var lcs = new int[rows + 1, cols + 1];
        for (var i = rows - 1; i >= 0; i--)
        {
            for (var j = cols - 1; j >= 0; j--)
            {
                lcs[i, j] = baseLines[prefix + i] == side[prefix + j]
                    ? lcs[i + 1, j + 1] + 1
                    : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < rows && y < cols)
        {
            if (baseLines[prefix + x] == side[prefix + y])
            {
                match[prefix + x] = prefix + y;
                x++;
                y++;
            }
            else if (lcs[x, y + 1] >= lcs[x + 1, y])
            {
                y++; // skip the side's line: the base's line may still be matched further on
            }
            else
            {
                x++;
            }
        }

        return match;
    }

    /// <summary>Cuts the three into stable and unstable chunks and classifies each (the parse of Khanna, Kunal and Pierce).</summary>
    public static List<Diff3Chunk> Parse(string[] left, string[] baseLines, string[] right)
    {
        var ml = Match(baseLines, left);
        var mr = Match(baseLines, right);
        var chunks = new List<Diff3Chunk>();
        int o = 0, a = 0, b = 0;
        while (true)
        {
            var run = 0;
            while (o + run < baseLines.Length && ml[o + run] == a + run && mr[o + run] == b + run)
            {
                run++;
            }

            if (run > 0)
            {
                var stable = baseLines[o..(o + run)];
                chunks.Add(new Diff3Chunk(ChunkKind.Stable, stable, stable, stable));
                o += run;
                a += run;
                b += run;
                continue;
            }

            if (o == baseLines.Length && a == left.Length && b == right.Length)
            {
                return chunks;
            }

            var next = o;
            while (next < baseLines.Length && (ml[next] < 0 || mr[next] < 0))
            {
                next++;
            }

            int leftEnd = next < baseLines.Length ? ml[next] : left.Length;
            int rightEnd = next < baseLines.Length ? mr[next] : right.Length;
            chunks.Add(Unstable(left[a..leftEnd], baseLines[o..next], right[b..rightEnd]));
            o = next;
            a = leftEnd;
            b = rightEnd;
        }
    }

    /// <summary>
    /// Merges <paramref name="left"/> and <paramref name="right"/> over <paramref name="baseText"/>. A true conflict is
    /// written between git-style markers: <c>&lt;&lt;&lt;&lt;&lt;&lt;&lt; left</c>, the left lines,
    /// <c>||||||| base</c>, the base lines, <c>=======</c>, the right lines, <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt; right</c>.
    /// </summary>
    public static Diff3Result Merge(string left, string baseText, string right, string leftLabel, string baseLabel, string rightLabel)
    {
        var chunks = Parse(Lines(left), Lines(baseText), Lines(right));
        var text = new StringBuilder();
        var conflicts = 0;
        foreach (var chunk in chunks)
        {
            switch (chunk.Kind)
            {
                case ChunkKind.Stable:
                case ChunkKind.Right:
                    Append(text, chunk.Right);
                    break;
                case ChunkKind.Left:
                case ChunkKind.Same:
                    Append(text, chunk.Left);
                    break;
                default:
                    conflicts++;
                    Marker(text, "<<<<<<< " + leftLabel);
                    Append(text, chunk.Left);
                    Marker(text, "||||||| " + baseLabel);
                    Append(text, chunk.Base);
                    Marker(text, "=======");
                    Append(text, chunk.Right);
                    Marker(text, ">>>>>>> " + rightLabel);
                    break;
            }
        }

        return new Diff3Result(text.ToString(), conflicts, chunks);
    }

    private static Diff3Chunk Unstable(string[] left, string[] baseLines, string[] right)
    {
        var leftSame = left.AsSpan().SequenceEqual(baseLines);
        var rightSame = right.AsSpan().SequenceEqual(baseLines);
        var kind = leftSame ? ChunkKind.Right
            : rightSame ? ChunkKind.Left
            : left.AsSpan().SequenceEqual(right) ? ChunkKind.Same
            : ChunkKind.Conflict;
        return new Diff3Chunk(kind, left, baseLines, right);
    }

    private static void Append(StringBuilder text, string[] lines)
    {
        foreach (var line in lines)
        {
            text.Append(line);
        }
    }

    /// <summary>A marker on a line of its own (a newline first when the text so far ends without one).</summary>
    private static void Marker(StringBuilder text, string marker)
    {
        if (text.Length > 0 && text[^1] != '\n')
        {
            text.Append('\n');
        }

        text.Append(marker).Append('\n');
    }
}
