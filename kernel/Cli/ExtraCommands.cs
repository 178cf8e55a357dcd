using System.Globalization;
using System.CommandLine;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Linearizability;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;

namespace Kernel.Host.Cli;

/// <summary>The verification verbs: <c>check-history</c> and <c>verify</c>.</summary>
internal static class ExtraCommands
{
    public static IEnumerable<Command> Create(TextWriter output, TextWriter error)
    {
        yield return CheckHistory(output, error);
        yield return Verify(output, error);
    }

    private static Command Verify(TextWriter output, TextWriter error)
    {
        var strategy = new Option<string>("--strategy") { Description = "The consensus or replication strategy to verify, as category/name (e.g. consensus/raft)", Required = true };
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the simulated cluster", DefaultValueFactory = _ => 5 };
        var seeds = new Option<int?>("--seeds") { Description = "How many seeds to run (default 100, or 1 with --seed)" };
        var seed = new Option<long?>("--seed") { Description = "The first seed (alone: run just this seed)" };
        var ops = new Option<int?>("--ops") { Description = "Client operations per seed in the safety phase (default: as many as fit in --duration)" };
        var duration = new Option<double>("--duration") { Description = "Simulated seconds of the safety phase per seed", DefaultValueFactory = _ => 10 };
        var faults = new Option<string>("--faults")
        {
            Description = $"Faults to inject, comma-separated: {string.Join(", ", SimFaultNames.Names)}, all, none",
            DefaultValueFactory = _ => "all",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var trace = new Option<string?>("--trace") { Description = "Write the full event trace of the first seed to this file" };
        var history = new Option<string?>("--history") { Description = "Write the client history of the first seed to this file (JSON lines, for check-history)" };
        var command = new Command("verify", "Run a strategy as a simulated cluster under faults and check every history; exit 1 on any violation")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var o in new Option[] { strategy, nodes, seeds, seed, ops, duration, faults, json, trace, history })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) => KernelCli.WithRuntime(parse, error, runtime =>
        {
            var key = parse.GetValue(strategy)!;
            if (!runtime.Registry.TryGet(key, out var registration))
            {
                string Known(StrategyCategory category) =>
                    runtime.Registry.All.Where(r => r.Strategy.Category == category && Verifier.CanVerify(r.Strategy)).Select(r => r.Key).ToArray() is { Length: > 0 } keys
                        ? string.Join(", ", keys)
                        : "none";
                var replicationKnown = Known(StrategyCategory.Replication);
                error.WriteLine($"error: --strategy '{key}' is not registered; consensus strategies: {Known(StrategyCategory.Consensus)}"
                    + (replicationKnown == "none" ? "." : $"; replication strategies: {replicationKnown}."));
                return VerifyCommand.ExitBadInput;
            }

            if (!Verifier.CanVerify(registration.Strategy))
            {
                var category = registration.Strategy.Category.ToName();
                error.WriteLine($"error: {key} is a {category} strategy; verify runs consensus strategies and replication strategies only (a {category} strategy has no cluster to simulate).");
                return VerifyCommand.ExitBadInput;
            }

            if (!SimFaultNames.TryParse(parse.GetValue(faults), out var parsedFaults, out var faultError))
            {
                error.WriteLine("error: --faults: " + faultError);
                return VerifyCommand.ExitBadInput;
            }

            var first = parse.GetValue(seed);
            var count = parse.GetValue(seeds) ?? (first is null ? 100 : 1);
            var jsonOut = parse.GetValue(json);
            var bar = !jsonOut && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected ? new ProgressBar(error) : null;
            var options = new VerifyOptions
            {
                FirstSeed = first ?? 1,
                Seeds = count,
                TraceFile = parse.GetValue(trace),
                HistoryFile = parse.GetValue(history),
                Progress = bar is null ? null : bar.Report,
                Simulation = new SimulationOptions
                {
                    Nodes = parse.GetValue(nodes),
                    Faults = parsedFaults,
                    Operations = parse.GetValue(ops),
                    SafetyDuration = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(duration))),
                    StrategyOptions = runtime.Config.StrategyOptions(registration.Strategy.Category.ToName(), registration.Strategy.Name),
                },
            };
            var code = VerifyCommand.Run(registration.Strategy, options, output, jsonOut, key, ct);
            bar?.Done();
            return code;
        }));
        return command;
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
        var maxSteps = new Option<long?>("--max-steps") { Description = "Search budget in steps per file, at least 1 (default: unlimited); exhausted gives 'unknown' (exit 2)" };
        var timeout = new Option<double>("--timeout")
        {
            Description = $"Search budget in seconds per file, greater than 0 and at most {HistoryCheck.MaxTimeBudget.TotalSeconds:0} (default {HistoryCheck.DefaultTimeBudget.TotalSeconds:0}); exhausted gives 'unknown' (exit 2)",
            DefaultValueFactory = _ => HistoryCheck.DefaultTimeBudget.TotalSeconds,
        };
        var file = new Argument<string[]>("FILE")
        {
            Description = "History files (one or more): Jepsen etcd log, Porcupine kv lines, Knossos EDN, or this kit's JSON lines",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("check-history",
            "Check recorded histories for linearizability, every file given. Exit codes: 0 every file linearizable; "
            + "1 at least one not linearizable (a counterexample is printed); 2 bad input (an option, a missing, unreadable or empty file) "
            + "or no verdict within the budget ('unknown'), which wins over 1.");
        command.Options.Add(model);
        command.Options.Add(format);
        command.Options.Add(maxSteps);
        command.Options.Add(timeout);
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            var modelName = parse.GetValue(model)!;
            if (!Models.TryGet(modelName, out _))
            {
                error.WriteLine($"error: --model '{modelName}' is not a model; models: {string.Join(", ", Models.Names)}.");
                return HistoryCheck.ExitUnknown;
            }

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

            if (parse.GetValue(maxSteps) is < 1 and var steps)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: --max-steps is {steps}; allowed 1..{long.MaxValue} search steps per file."));
                return HistoryCheck.ExitUnknown;
            }

            if (!TrySeconds(parse, timeout, HistoryCheck.MaxTimeBudget, "seconds (the search budget per file)", error, out var budget))
            {
                return HistoryCheck.ExitUnknown;
            }

            var options = new CheckOptions { MaxSteps = parse.GetValue(maxSteps), TimeBudget = budget };
            return HistoryCheck.RunAll(modelName, parse.GetValue(file)!, output, parsedFormat, options);
        });
        return command;
    }

    /// <summary>
    /// Reads a number of seconds that must be positive, finite and at most <paramref name="max"/>; otherwise writes one line
    /// naming the option, the value as typed and the range, and returns false.
    /// </summary>
    private static bool TrySeconds(ParseResult parse, Option<double> option, TimeSpan max, string what, TextWriter error, out TimeSpan value)
    {
        var seconds = parse.GetValue(option);
        if (double.IsFinite(seconds) && seconds > 0 && seconds <= max.TotalSeconds)
        {
            value = TimeSpan.FromSeconds(seconds);
            if (value > TimeSpan.Zero)
            {
                return true;
            }
        }

        var typed = parse.GetResult(option)?.Tokens is [.., var last] ? last.Value : seconds.ToString(CultureInfo.InvariantCulture);
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: {option.Name} is '{typed}'; it must be a positive number of {what} up to {max.TotalSeconds:0}."));
        value = default;
        return false;
    }
}
