using System.Globalization;
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
/// Command-line facade: <c>check-history --model M FILE...</c> calls <see cref="RunAll"/>.
/// </summary>
public static class HistoryCheck
{
    /// <summary>Exit code: the history is linearizable.</summary>
    public const int ExitLinearizable = 0;

    /// <summary>Exit code: the history is not linearizable (a counterexample was printed).</summary>
    public const int ExitNotLinearizable = 1;

    /// <summary>Exit code: no verdict (budget exhausted, unknown model, unreadable or empty input).</summary>
    public const int ExitUnknown = 2;

    /// <summary>The time budget of one file's check when the command line gives none (<c>--timeout</c>): 60 seconds.</summary>
    public static TimeSpan DefaultTimeBudget { get; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest time budget the command line accepts: one day.</summary>
    public static TimeSpan MaxTimeBudget { get; } = TimeSpan.FromDays(1);

    /// <summary>Names accepted by <see cref="TryParseFormat"/>.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["jepsen-log", "edn-lines", "edn", "jsonl"];

    /// <summary>
    /// Checks the history in <paramref name="path"/> against the model named <paramref name="modelName"/>, printing the verdict
    /// (and counterexample or reason) to <paramref name="output"/>. Returns 0 linearizable, 1 not linearizable, 2 unknown or
    /// unreadable input (unknown model names list the valid ones; a file without any operation is unreadable input).
    /// </summary>
    public static int Run(string modelName, string path, TextWriter output, HistoryFormat? format = null, CheckOptions? options = null) =>
        RunAll(modelName, [path], output, format, options);

    /// <summary>
    /// Checks every file of <paramref name="paths"/> in turn, as <see cref="Run"/> does one, each with its own budget
    /// (<paramref name="options"/> applies to each file), and returns the worst exit code: 2 (unknown or bad input) over 1
    /// (not linearizable) over 0. A file that cannot be read does not stop the others. With more than one file a last line
    /// counts the verdicts.
    /// </summary>
    public static int RunAll(string modelName, IReadOnlyList<string> paths, TextWriter output, HistoryFormat? format = null, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(paths);
        if (!Models.TryGet(modelName, out var model))
        {
            output.WriteLine($"error: unknown model '{modelName}'. Valid models: {string.Join(", ", Models.Names)}");
            return ExitUnknown;
        }

        if (paths.Count == 0)
        {
            output.WriteLine("error: no history file given");
            return ExitUnknown;
        }

        var worst = ExitLinearizable;
        var counts = new int[3];
        foreach (var path in paths)
        {
            var code = RunOne(model, path, output, format, options);
            counts[code]++;
            worst = Worst(worst, code);
        }

        if (paths.Count > 1)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{paths.Count} files: {counts[ExitLinearizable]} linearizable, {counts[ExitNotLinearizable]} not linearizable, {counts[ExitUnknown]} unknown or unreadable"));
        }

        return worst;
    }

    /// <summary>The worse of two exit codes: 2 over 1 over 0.</summary>
    internal static int Worst(int a, int b) => a == ExitUnknown || b == ExitUnknown ? ExitUnknown : Math.Max(a, b);

    private static int RunOne(HistoryModel model, string path, TextWriter output, HistoryFormat? format, CheckOptions? options)
    {
        try
        {
            if (Directory.Exists(path))
            {
                output.WriteLine($"error: cannot read {path}: it is a directory, not a history file");
                return ExitUnknown;
            }

            if (!File.Exists(path))
            {
                output.WriteLine($"error: cannot read {path}: no such file");
                return ExitUnknown;
            }

            var text = File.ReadAllText(path);
            if (string.IsNullOrWhiteSpace(text))
            {
                output.WriteLine($"error: {path}: no operations (the file is {(text.Length == 0 ? "empty" : "only whitespace")}); a history needs at least one invoke");
                return ExitUnknown;
            }

            var history = Parse(text, path, format ?? DetectFormat(path, text));
            if (history.EventCount == 0)
            {
                output.WriteLine($"error: {path}: no operations; a history needs at least one invoke");
                return ExitUnknown;
            }

            var clock = (options ?? CheckOptions.Unlimited).TimeProvider;
            var started = clock.GetTimestamp();
            var result = model.Check(history, options);
            var elapsed = string.Create(CultureInfo.InvariantCulture, $"{clock.GetElapsedTime(started).TotalMilliseconds:F1} ms");
            switch (result.Verdict)
            {
                case Verdict.Linearizable:
                    output.WriteLine($"{path}: linearizable under {model.Name} ({result.Operations} operations, {result.Partitions} partition(s), {result.Steps} steps, {elapsed})");
                    return ExitLinearizable;
                case Verdict.NotLinearizable:
                    output.WriteLine($"{path}: NOT linearizable under {model.Name} ({result.Operations} operations, {elapsed})");
                    output.Write(result.Counterexample);
                    return ExitNotLinearizable;
                default:
                    output.WriteLine($"{path}: unknown under {model.Name}: {result.Reason}");
                    return ExitUnknown;
            }
        }
        catch (HistoryParseException ex)
        {
            output.WriteLine($"error: {ex.Message}");
            return ExitUnknown;
        }
        catch (ArgumentException ex)
        {
            output.WriteLine($"error: {path}: {ex.Message}");
            return ExitUnknown;
        }
        catch (IOException ex)
        {
            output.WriteLine($"error: cannot read {path}: {ex.Message}");
            return ExitUnknown;
        }
        catch (UnauthorizedAccessException ex)
        {
            output.WriteLine($"error: cannot read {path}: {ex.Message}");
            return ExitUnknown;
        }
    }

    /// <summary>Reads a history file; the format is detected from the extension, then the content, unless given.</summary>
    /// <exception cref="HistoryParseException">The file is malformed (the message gives file, line, column and what was expected).</exception>
    public static History Load(string path, HistoryFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = File.ReadAllText(path);
        return Parse(text, path, format ?? DetectFormat(path, text));
    }

    /// <summary>Parses a history held in memory; <paramref name="sourceName"/> is used in error messages.</summary>
    public static History Parse(string text, string sourceName, HistoryFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        return format switch
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
