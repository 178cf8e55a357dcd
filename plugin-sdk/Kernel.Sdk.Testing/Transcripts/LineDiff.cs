using System.Text;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>A line diff (longest common subsequence) printed unified style with three lines of context around changes.</summary>
internal static class LineDiff
{
    private const int Context = 3;

    public static string Unified(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var ops = Operations(a, b);
        var changed = new bool[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            changed[i] = ops[i].Kind != ' ';
        }

        var text = new StringBuilder();
        var lastShown = -1;
        for (var i = 0; i < ops.Count; i++)
        {
            var near = false;
            for (var j = Math.Max(0, i - Context); j <= Math.Min(ops.Count - 1, i + Context) && !near; j++)
            {
                near = changed[j];
            }

            if (!near)
            {
                continue;
            }

            if (lastShown >= 0 && i > lastShown + 1 || lastShown < 0 && i > 0)
            {
                text.Append("  ...").Append('\n');
            }

            text.Append(ops[i].Kind).Append(' ').Append(ops[i].Line).Append('\n');
            lastShown = i;
        }

        if (lastShown >= 0 && lastShown < ops.Count - 1)
        {
            text.Append("  ...").Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }

    private static List<(char Kind, string Line)> Operations(string[] a, string[] b)
    {
        // lcs[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var ops = new List<(char, string)>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', a[x++]));
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                ops.Add(('-', a[x++]));
            }
            else
            {
                ops.Add(('+', b[y++]));
            }
        }

        return ops;
    }
}
