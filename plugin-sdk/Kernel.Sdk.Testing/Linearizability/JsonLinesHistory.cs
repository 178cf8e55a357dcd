using System.Globalization;
using System.Text;
using System.Text.Json;
using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>
/// The kit's own history format: JSON Lines, one event per line, file order = real-time order
/// (see <c>HISTORY-FORMAT.md</c> next to this file):
/// <code>
/// {"process":3,"type":"invoke","f":"put","key":"k1","value":"x","time":1200}
/// {"process":3,"type":"ok","f":"put","key":"k1","value":"x","time":1500}
/// {"process":1,"type":"invoke","f":"cas","key":"k1","value":{"old":"x","new":"y"}}
/// {"process":1,"type":"fail","f":"cas","key":"k1","value":{"old":"x","new":"y"}}
/// </code>
/// <list type="bullet">
/// <item><c>process</c>: integer client id, one operation in flight per process (required).</item>
/// <item><c>type</c>: <c>invoke</c>, <c>ok</c>, <c>fail</c> or <c>info</c> (required).</item>
/// <item><c>f</c>: <c>get</c>, <c>put</c>, <c>append</c>, <c>cas</c> (also <c>read</c>/<c>write</c> for registers; required).</item>
/// <item><c>key</c>: string (optional for single-register models).</item>
/// <item><c>value</c>: string, integer or null (= absent). For <c>cas</c>: <c>{"old":A,"new":B}</c> (an array <c>[A,B]</c> is also read).
/// On an <c>ok</c> get, the value read.</item>
/// <item><c>time</c>: optional integer, informational only (order comes from the file).</item>
/// </list>
/// Completions: <c>ok</c> = happened with that result; <c>fail</c> = did not take effect, except for <c>cas</c> where it
/// means the comparison failed (the operation saw a value other than <c>old</c>); <c>info</c> = unknown outcome. An invoke
/// never completed counts as <c>info</c>.
/// </summary>
public static class JsonLinesHistory
{
    /// <summary>Writes <paramref name="history"/> in the JSON Lines format.</summary>
    public static void Write(History history, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(writer);
        var buffer = new MemoryStream();
        foreach (var e in history.Events)
        {
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("process", e.Process);
                json.WriteString("type", e.Type.ToString().ToLowerInvariant());
                json.WriteString("f", e.F);
                if (e.Key is not null)
                {
                    json.WriteString("key", e.Key);
                }

                json.WritePropertyName("value");
                if (e.F == "cas" && e.Value is IReadOnlyList<object?> { Count: 2 } pair)
                {
                    json.WriteStartObject();
                    json.WritePropertyName("old");
                    WriteValue(json, pair[0]);
                    json.WritePropertyName("new");
                    WriteValue(json, pair[1]);
                    json.WriteEndObject();
                }
                else
                {
                    WriteValue(json, e.Value);
                }

                if (e.Time is { } t)
                {
                    json.WriteNumber("time", t);
                }

                json.WriteEndObject();
            }

            writer.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            writer.Write('\n');
        }
    }

    /// <summary>Reads a history in the JSON Lines format.</summary>
    /// <exception cref="HistoryParseException">A line is malformed.</exception>
    public static History Read(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var events = new List<HistoryEvent>();
        var lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new HistoryParseException(sourceName, lineNo, (int)(ex.BytePositionInLine ?? 0) + 1, $"invalid JSON: {ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}");
            }

            using (doc)
            {
                events.Add(ReadEvent(doc.RootElement, sourceName, lineNo));
            }
        }

        return new History(events, sourceName);
    }

    private static HistoryEvent ReadEvent(JsonElement root, string source, int line)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new HistoryParseException(source, line, 1, "expected a JSON object {\"process\":..., \"type\":..., \"f\":...}");
        }

        if (!root.TryGetProperty("process", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var process))
        {
            throw new HistoryParseException(source, line, 0, "expected an integer \"process\"");
        }

        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString() switch
            {
                "invoke" => HistoryEventType.Invoke,
                "ok" => HistoryEventType.Ok,
                "fail" => HistoryEventType.Fail,
                "info" => HistoryEventType.Info,
                var other => throw new HistoryParseException(source, line, 0, $"expected \"type\" to be invoke, ok, fail or info, found \"{other}\""),
            }
            : throw new HistoryParseException(source, line, 0, "expected a string \"type\" (invoke, ok, fail or info)");
        var f = root.TryGetProperty("f", out var fe) && fe.ValueKind == JsonValueKind.String
            ? fe.GetString()!
            : throw new HistoryParseException(source, line, 0, "expected a string \"f\" (get, put, append or cas)");
        string? key = null;
        if (root.TryGetProperty("key", out var k))
        {
            key = k.ValueKind switch
            {
                JsonValueKind.String => k.GetString(),
                JsonValueKind.Number => k.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new HistoryParseException(source, line, 0, "expected \"key\" to be a string"),
            };
        }

        object? value = null;
        if (root.TryGetProperty("value", out var v))
        {
            if (f == "cas" && v.ValueKind == JsonValueKind.Object)
            {
                if (!v.TryGetProperty("old", out var o) || !v.TryGetProperty("new", out var n))
                {
                    throw new HistoryParseException(source, line, 0, "expected a cas \"value\" {\"old\":..., \"new\":...}");
                }

                value = new EdnList([Scalar(o, source, line), Scalar(n, source, line)], true);
            }
            else if (v.ValueKind == JsonValueKind.Array)
            {
                value = new EdnList(v.EnumerateArray().Select(x => Scalar(x, source, line)).ToList(), true);
            }
            else
            {
                value = Scalar(v, source, line);
            }
        }

        long? time = root.TryGetProperty("time", out var tm) && tm.ValueKind == JsonValueKind.Number && tm.TryGetInt64(out var tv) ? tv : null;
        return new HistoryEvent(process, type, f, key, value, line, 0, time);
    }

    private static object? Scalar(JsonElement e, string source, int line) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number when e.TryGetInt64(out var l) => l,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new HistoryParseException(source, line, 0, $"expected a string, integer or null value, found {e.GetRawText()}"),
    };

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case long l: json.WriteNumberValue(l); break;
            case bool b: json.WriteBooleanValue(b); break;
            case Keyword k: json.WriteStringValue(k.Name); break;
            case IEnumerable<object?> list:
                json.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(json, item);
                }

                json.WriteEndArray();
                break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
