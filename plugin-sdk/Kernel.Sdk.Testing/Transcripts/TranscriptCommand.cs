using System.Globalization;
using System.Text;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>
/// One command line of a transcript: a name, then arguments separated by spaces. An argument is positional
/// (<c>1</c>, <c>all</c>, <c>(1,2,3)</c>, <c>"some text"</c>) or named (<c>key=value</c>, <c>voters=(1,2,3)</c>).
/// The accessors throw <see cref="TranscriptInputException"/> with what is wrong and what is allowed.
/// </summary>
internal sealed class TranscriptCommand
{
    private readonly List<KeyValuePair<string, string>> _named = [];
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private TranscriptCommand(string name, string text)
    {
        Name = name;
        Text = text;
    }

    public string Name { get; }

    public string Text { get; }

    public List<string> Positional { get; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Named => _named;

    public static TranscriptCommand Parse(string text)
    {
        var tokens = Tokenize(text);
        var command = new TranscriptCommand(tokens[0], text);
        foreach (var token in tokens.Skip(1))
        {
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            var quote = token.IndexOfAny(['"', '(']);
            if (eq > 0 && (quote < 0 || eq < quote))
            {
                var key = token[..eq];
                if (command._named.Any(p => p.Key == key))
                {
                    throw new TranscriptInputException($"argument '{key}' is given twice");
                }

                command._named.Add(new(key, Unquote(token[(eq + 1)..])));
            }
            else
            {
                command.Positional.Add(Unquote(token));
            }
        }

        return command;
    }

    /// <summary>Takes a named argument (so <see cref="RejectUnused"/> does not complain about it); null when absent.</summary>
    public string? Take(string key)
    {
        _used.Add(key);
        foreach (var (k, v) in _named)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }

    public long TakeLong(string key, long fallback, long min, long max)
    {
        var text = Take(key);
        return text is null ? fallback : ParseLong(text, key, min, max);
    }

    public bool TakeBool(string key)
    {
        var text = Take(key);
        return text switch
        {
            null => false,
            "true" => true,
            "false" => false,
            _ => throw new TranscriptInputException($"'{key}={text}' is not a boolean; allowed: true, false"),
        };
    }

    /// <summary>The named arguments nobody took.</summary>
    public IEnumerable<KeyValuePair<string, string>> Unused => _named.Where(p => !_used.Contains(p.Key));

    public void RejectUnused(string allowed)
    {
        foreach (var (key, _) in Unused)
        {
            throw new TranscriptInputException($"unknown argument '{key}'; allowed: {allowed}");
        }
    }

    public void ExpectPositional(int min, int max)
    {
        if (Positional.Count < min || Positional.Count > max)
        {
            var wanted = min == max ? $"{min}" : max == int.MaxValue ? $"at least {min}" : $"{min} to {max}";
            throw new TranscriptInputException($"takes {wanted} positional argument{(max == 1 ? string.Empty : "s")}, got {Positional.Count}");
        }
    }

    public static long ParseLong(string text, string what, long min, long max)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new TranscriptInputException($"{what} '{text}' is not a whole number from {min} to {max}");
        }

        return value;
    }

    /// <summary>A list written <c>(1,2,3)</c>, <c>1,2</c> or <c>1</c>; <c>()</c> is empty.</summary>
    public static IReadOnlyList<string> SplitList(string text)
    {
        var inner = text.StartsWith('(') && text.EndsWith(')') ? text[1..^1] : text;
        return inner.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                current.Append(c);
                if (c == '\\' && i + 1 < text.Length)
                {
                    current.Append(text[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    current.Append(c);
                    break;
                case '(':
                    depth++;
                    current.Append(c);
                    break;
                case ')':
                    depth--;
                    current.Append(c);
                    break;
                case ' ' or '\t' when depth == 0:
                    if (current.Length > 0)
                    {
                        tokens.Add(current.ToString());
                        current.Clear();
                    }

                    break;
                default:
                    current.Append(c);
                    break;
            }
        }

        if (quoted)
        {
            throw new TranscriptInputException("a '\"' is never closed");
        }

        if (depth != 0)
        {
            throw new TranscriptInputException("the parentheses do not balance");
        }

        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }

    private static string Unquote(string token)
    {
        if (token.Length < 2 || token[0] != '"' || token[^1] != '"')
        {
            return token;
        }

        var text = new StringBuilder();
        for (var i = 1; i < token.Length - 1; i++)
        {
            if (token[i] == '\\' && i + 1 < token.Length - 1)
            {
                i++;
            }

            text.Append(token[i]);
        }

        return text.ToString();
    }
}
