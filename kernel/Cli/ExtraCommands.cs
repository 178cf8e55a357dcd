using System.CommandLine;
using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Host.Cli;

/// <summary>The verification verbs: <c>check-history</c> and <c>verify</c>.</summary>
internal static class ExtraCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return CheckHistory(output, error);
    }

    private static Command CheckHistory(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model")
        {
            Description = $"Sequential model: {string.Join(", ", Models.Names)}",
            Required = true,
        };
        var format = new Option<string?>("--format")
        {
            Description = $"History format (default: from the extension, then the content): {string.Join(", ", HistoryCheck.FormatNames)}",
        };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Search budget in steps; exhausted gives 'unknown' (exit 2)" };
        var timeout = new Option<double?>("--timeout") { Description = "Search budget in seconds; exhausted gives 'unknown' (exit 2)" };
        var file = new Argument<string>("FILE") { Description = "History file: Jepsen etcd log, Porcupine kv lines, Knossos EDN, or this kit's JSON lines" };
        var command = new Command("check-history", "Check a recorded history for linearizability: exit 0 linearizable, 1 not (with a counterexample), 2 unknown or unreadable");
        command.Options.Add(model);
        command.Options.Add(format);
        command.Options.Add(maxSteps);
        command.Options.Add(timeout);
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            HistoryFormat? parsedFormat = null;
            if (parse.GetValue(format) is { } f)
            {
                if (!HistoryCheck.TryParseFormat(f, out var hf))
                {
                    error.WriteLine($"error: --format '{f}' is not a format; formats: {string.Join(", ", HistoryCheck.FormatNames)}.");
                    return HistoryCheck.ExitUnknown;
                }

                parsedFormat = hf;
            }

            var options = new CheckOptions
            {
                MaxSteps = parse.GetValue(maxSteps),
                TimeBudget = parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            };
            return HistoryCheck.Run(parse.GetValue(model)!, parse.GetValue(file)!, output, parsedFormat, options);
        });
        return command;
    }
}
