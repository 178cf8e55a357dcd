using System.Globalization;
using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Host.Cli;

/// <summary>
/// The <c>check-history --model M FILE...</c> verb's output around the testing kit's checker: reads each file, prints
/// its verdict (and counterexample or reason), and returns the exit code.
/// </summary>
internal static class HistoryCheckOutput
{
    /// <summary>Exit code: the history is linearizable.</summary>
    public const int ExitLinearizable = 0;

    /// <summary>Exit code: the history is not linearizable (a counterexample was printed).</summary>
    public const int ExitNotLinearizable = 1;

    /// <summary>Exit code: no verdict (budget exhausted, unknown model, unreadable or empty input).</summary>
    public const int ExitUnknown = 2;

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

            var history = HistoryCheck.Parse(text, path, format);
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

}
