using System.Globalization;
using System.Text;

namespace Kernel.Sdk.Testing.Linearizability.Parsing;

/// <summary>An EDN keyword such as <c>:invoke</c> (stored without the colon).</summary>
internal sealed record Keyword(string Name)
{
    public override string ToString() => ":" + Name;
}

/// <summary>An EDN symbol (rare in histories; kept so that they read without error).</summary>
internal sealed record Symbol(string Name)
{
    public override string ToString() => Name;
}

/// <summary>An EDN vector or list.</summary>
internal sealed class EdnList(List<object?> items, bool isVector) : List<object?>(items)
{
    public bool IsVector { get; } = isVector;

    public override string ToString() => (IsVector ? "[" : "(") + string.Join(" ", this.Select(Edn.Print)) + (IsVector ? "]" : ")");
}

/// <summary>An EDN map, remembering where it started.</summary>
internal sealed class EdnMap : Dictionary<object, object?>
{
    public int Line { get; init; }

    public int Column { get; init; }

    public object? Get(string keyword) => TryGetValue(new Keyword(keyword), out var v) ? v : null;

    public bool Has(string keyword) => ContainsKey(new Keyword(keyword));
}

/// <summary>
/// A small EDN reader (the subset Jepsen histories use): nil, booleans, integers, floats, strings, characters, keywords,
/// symbols, lists, vectors, maps, sets, tagged literals (tag ignored), <c>#_</c> discard, <c>;</c> comments, commas as whitespace.
/// Values: null, bool, long, double, string, <see cref="Keyword"/>, <see cref="Symbol"/>, <see cref="EdnList"/>, <see cref="EdnMap"/>.
/// </summary>
internal sealed class EdnReader
{
    private readonly string _text;
    private readonly string _file;
    private int _pos;
    private int _line;
    private int _lineStart;

    public EdnReader(string text, string file, int firstLine = 1)
    {
        _text = text;
        _file = file;
        _line = firstLine;
    }

    public int Line => _line;

    public int Column => _pos - _lineStart + 1;

    /// <summary>Skips whitespace and comments; true when the end of the text is reached.</summary>
    public bool AtEnd()
    {
        SkipWhitespace();
        return _pos >= _text.Length;
    }

    public HistoryParseException Error(string message) => new(_file, _line, Column, message);

    public object? Read()
    {
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("unexpected end of input, expected a value");
        }

        var line = _line;
        var column = Column;
        var c = _text[_pos];
        switch (c)
        {
            case '[':
                _pos++;
                return new EdnList(ReadSeq(']'), true);
            case '(':
                _pos++;
                return new EdnList(ReadSeq(')'), false);
            case '{':
                _pos++;
                return ReadMap(line, column);
            case '"':
                return ReadString();
            case '\\':
                return ReadChar();
            case ':':
                _pos++;
                var name = ReadToken();
                if (name.Length == 0)
                {
                    throw Error("expected a keyword name after ':'");
                }

                return new Keyword(name);
            case '#':
                return ReadDispatch(line, column);
            case ']':
            case ')':
            case '}':
                throw Error($"unexpected '{c}'");
            default:
                return ReadAtom();
        }
    }

    private object? ReadDispatch(int line, int column)
    {
        _pos++;
        if (_pos >= _text.Length)
        {
            throw Error("unexpected end of input after '#'");
        }

        var c = _text[_pos];
        if (c == '{')
        {
            _pos++;
            return new EdnList(ReadSeq('}'), true);
        }

        if (c == '_')
        {
            _pos++;
            Read();
            return Read();
        }

        // Tagged literal such as #inst "..." or #jepsen.history.Op{...}: keep the value, drop the tag.
        var tag = ReadToken();
        if (tag.Length == 0)
        {
            throw new HistoryParseException(_file, line, column, "expected a tag, set or discard after '#'");
        }

        return Read();
    }

    private List<object?> ReadSeq(char close)
    {
        var items = new List<object?>();
        while (true)
        {
            SkipWhitespace();
            if (_pos >= _text.Length)
            {
                throw Error($"unexpected end of input, expected '{close}'");
            }

            if (_text[_pos] == close)
            {
                _pos++;
                return items;
            }

            items.Add(Read());
        }
    }

    private EdnMap ReadMap(int line, int column)
    {
        var map = new EdnMap { Line = line, Column = column };
        while (true)
        {
            SkipWhitespace();
            if (_pos >= _text.Length)
            {
                throw Error("unexpected end of input, expected '}'");
            }

            if (_text[_pos] == '}')
            {
                _pos++;
                return map;
            }

            var key = Read() ?? throw Error("nil map keys are not supported");
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == '}')
            {
                throw Error($"map key {Edn.Print(key)} has no value");
            }

            map[key] = Read();
        }
    }

    private string ReadString()
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("unterminated string, expected '\"'");
            }

            var c = _text[_pos++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c == '\n')
            {
                _line++;
                _lineStart = _pos;
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                throw Error("unterminated string escape");
            }

            var e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case 'u':
                    if (_pos + 4 > _text.Length || !int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("expected 4 hex digits after \\u");
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error($"unknown string escape '\\{e}'");
            }
        }
    }

    private string ReadChar()
    {
        _pos++;
        var start = _pos;
        if (_pos < _text.Length)
        {
            _pos++;
        }

        while (_pos < _text.Length && !IsDelimiter(_text[_pos]))
        {
            _pos++;
        }

        var token = _text[start.._pos];
        return token switch
        {
            "newline" => "\n",
            "space" => " ",
            "tab" => "\t",
            "return" => "\r",
            "" => throw Error("expected a character after '\\'"),
            _ => token[..1],
        };
    }

    private object? ReadAtom()
    {
        var column = Column;
        var token = ReadToken();
        if (token.Length == 0)
        {
            throw Error($"unexpected character '{_text[_pos]}'");
        }

        switch (token)
        {
            case "nil": return null;
            case "true": return true;
            case "false": return false;
        }

        var c = token[0];
        if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && token.Length > 1 && char.IsAsciiDigit(token[1])))
        {
            var t = token.EndsWith('N') || token.EndsWith('M') ? token[..^1] : token;
            if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                return l;
            }

            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return d;
            }

            throw new HistoryParseException(_file, _line, column, $"invalid number '{token}'");
        }

        return new Symbol(token);
    }

    private string ReadToken()
    {
        var start = _pos;
        while (_pos < _text.Length && !IsDelimiter(_text[_pos]))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    private static bool IsDelimiter(char c) =>
        char.IsWhiteSpace(c) || c is ',' or '(' or ')' or '[' or ']' or '{' or '}' or '"' or ';';

    private void SkipWhitespace()
    {
        var text = _text;
        while (_pos < text.Length)
        {
            var c = text[_pos];
            if (c == '\n')
            {
                _pos++;
                _line++;
                _lineStart = _pos;
            }
            else if (char.IsWhiteSpace(c) || c == ',')
            {
                _pos++;
            }
            else if (c == ';')
            {
                while (_pos < text.Length && text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }
}

internal static class Edn
{
    public static string Print(object? value) => value switch
    {
        null => "nil",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        EdnMap m => "{" + string.Join(", ", m.Select(kv => Print(kv.Key) + " " + Print(kv.Value))) + "}",
        _ => value.ToString() ?? "",
    };
}
