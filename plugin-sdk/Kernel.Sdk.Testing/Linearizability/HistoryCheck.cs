using Kernel.Sdk.Testing.Linearizability.Parsing;

namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>History file formats.</summary>
public enum HistoryFormat
{
    /// <summary>Jepsen etcd logs (<c>.log</c>): <c>INFO  jepsen.util - 3 :invoke :read nil</c>.</summary>
    JepsenLog,

    /// <summary>One EDN map per line (<c>.txt</c>, Porcupine's kv histories).</summary>
    EdnLines,

    /// <summary>One EDN vector or list of operation maps (<c>.edn</c>, knossos histories).</summary>
    Edn,

    /// <summary>The kit's JSON Lines format (<c>.jsonl</c>), see <see cref="JsonLinesHistory"/>.</summary>
    JsonLines,
}

/// <summary>
/// Reading history files (<see cref="Load"/>, <see cref="Parse"/>, with the format detected or named) and the check
/// budgets the kernel's <c>check-history</c> verb uses by default.
/// </summary>
public static class HistoryCheck
{
    /// <summary>The time budget of one file's check when the command line gives none (<c>--timeout</c>): 60 seconds.</summary>
    public static TimeSpan DefaultTimeBudget { get; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest time budget the command line accepts: one day.</summary>
    public static TimeSpan MaxTimeBudget { get; } = TimeSpan.FromDays(1);

    /// <summary>Names accepted by <see cref="TryParseFormat"/>.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["jepsen-log", "edn-lines", "edn", "jsonl"];

    /// <summary>Reads a history file; the format is detected from the extension, then the content, unless given.</summary>
    /// <exception cref="HistoryParseException">The file is malformed (the message gives file, line, column and what was expected).</exception>
    public static History Load(string path, HistoryFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path, format);
    }

    /// <summary>
    /// Parses a history held in memory; <paramref name="sourceName"/> is used in error messages and, when no
    /// <paramref name="format"/> is given, to detect it from its extension, then from the content.
    /// </summary>
    /// <exception cref="HistoryParseException">The text is malformed (the message gives source, line, column and what was expected).</exception>
    public static History Parse(string text, string sourceName, HistoryFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        return (format ?? DetectFormat(sourceName, text)) switch
        {
            HistoryFormat.JepsenLog => HistoryParsers.ParseEtcdLog(new StringReader(text), sourceName),
            HistoryFormat.EdnLines => HistoryParsers.ParseEdnLines(new StringReader(text), sourceName),
            HistoryFormat.Edn => HistoryParsers.ParseEdnCollection(text, sourceName),
            _ => JsonLinesHistory.Read(new StringReader(text), sourceName),
        };
    }

    /// <summary>Parses a format name for a command-line override: jepsen-log, edn-lines, edn, jsonl.</summary>
    public static bool TryParseFormat(string name, out HistoryFormat format)
    {
        switch (name.ToLowerInvariant())
        {
            case "jepsen-log" or "log" or "etcd":
                format = HistoryFormat.JepsenLog;
                return true;
            case "edn-lines" or "txt" or "porcupine-kv":
                format = HistoryFormat.EdnLines;
                return true;
            case "edn" or "knossos":
                format = HistoryFormat.Edn;
                return true;
            case "jsonl" or "json-lines":
                format = HistoryFormat.JsonLines;
                return true;
            default:
                format = default;
                return false;
        }
    }

    internal static HistoryFormat DetectFormat(string path, string text)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".log": return HistoryFormat.JepsenLog;
            case ".txt": return HistoryFormat.EdnLines;
            case ".edn": return HistoryFormat.Edn;
            case ".jsonl" or ".ndjson": return HistoryFormat.JsonLines;
        }

        var t = text.AsSpan().TrimStart();
        if (t.StartsWith("{\"") || t.StartsWith("{ \""))
        {
            return HistoryFormat.JsonLines;
        }

        if (t.StartsWith("{"))
        {
            return HistoryFormat.EdnLines;
        }

        if (t.StartsWith("INFO") || t.Contains(" jepsen.util - ", StringComparison.Ordinal))
        {
            return HistoryFormat.JepsenLog;
        }

        return HistoryFormat.Edn;
    }
}
