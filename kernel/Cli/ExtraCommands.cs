using System.Globalization;
using System.CommandLine;
using Kernel.Host.Configuration;
using Kernel.Host.Hosting;
using Kernel.Host.Plugins;
using Kernel.Sdk.Consensus;
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
        var nodes = new Option<int>("--nodes") { Description = $"Nodes in the simulated cluster, 1..{SimulationOptions.MaxNodes}", DefaultValueFactory = _ => 5 };
        var seeds = new Option<int?>("--seeds") { Description = "How many seeds to run, at least 1 (default 100, or 1 with --seed)" };
        var seed = new Option<long?>("--seed") { Description = "The first seed, 0 or more (alone: run just this seed)" };
        var ops = new Option<int?>("--ops") { Description = $"Client operations per seed in the safety phase, 1..{SimulationOptions.MaxOperations} (default: as many as fit in --duration)" };
        var duration = new Option<double>("--duration")
        {
            Description = $"Simulated seconds of the safety phase per seed, greater than 0 and at most {SimulationOptions.MaxSafetyDuration.TotalSeconds:0}",
            DefaultValueFactory = _ => 10,
        };
        var seedTimeout = new Option<double>("--seed-timeout")
        {
            Description = "Wall seconds one seed may run before it is stopped and reported as a hang, greater than 0 and at most 86400 (default 120)",
            DefaultValueFactory = _ => 120,
        };
        var faults = new Option<string>("--faults")
        {
            Description = $"Faults to inject: {SimFaultNames.Allowed}",
            DefaultValueFactory = _ => "all",
        };
        var optionsMode = new Option<string>("--options")
        {
            Description = "varied (default): each seed draws the strategy's options from the values it declares, over what the configuration sets; fixed: the configured options only",
            DefaultValueFactory = _ => "varied",
        };
        var scheduleMode = new Option<string>("--schedule")
        {
            Description = "varied (default): each seed runs its own subset of --faults at its own intensities (a quarter of the seeds run them all); fixed: every seed runs every fault given",
            DefaultValueFactory = _ => "varied",
        };
        var byzantine = new Option<int>("--byzantine")
        {
            Description = "Faulty replicas of a Byzantine run (Twins copies, equivocation, replay, silence, edge-of-timeout delays, corrupted and forged messages, lies to clients), "
                + "0..nodes-1 (default 0); only for a strategy whose fault model is Byzantine; up to f = (nodes-1)/3 it must stay safe and live, the invariants judge honest replicas only",
            DefaultValueFactory = _ => 0,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var trace = new Option<string?>("--trace") { Description = "Write the full event trace of the first seed to this file" };
        var history = new Option<string?>("--history") { Description = "Write the client history of the first seed to this file (JSON lines, for check-history)" };
        var report = new Option<string?>("--report")
        {
            Description = "Write a self-contained HTML report to this file: the timeline of the first violating seed (or of the first seed when clean), "
                + "operations per client, faults, the leader per term, the counterexample highlighted",
        };
        var command = new Command("verify",
            "Run a strategy as a simulated cluster under faults and check every history. Exit codes: 0 no violation; "
            + "1 at least one violation, or a seed whose history got no linearizability verdict within the check budget (kind 'unchecked'), "
            + "each printed with the command that replays its seed; 2 bad input (an option, the strategy, the configuration, an output file).")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var o in new Option[] { strategy, nodes, seeds, seed, ops, duration, seedTimeout, faults, byzantine, optionsMode, scheduleMode, json, trace, history, report })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) =>
        {
            // The options first, each by its command-line name: a bad value is reported before any plugin loads.
            var inv = CultureInfo.InvariantCulture;
            var problems = new List<string>();
            var nodeCount = parse.GetValue(nodes);
            if (nodeCount is < 1 or > SimulationOptions.MaxNodes)
            {
                problems.Add(string.Create(inv, $"--nodes is {nodeCount}; allowed 1..{SimulationOptions.MaxNodes} (nodes in the simulated cluster)."));
            }

            var first = parse.GetValue(seed);
            var count = parse.GetValue(seeds) ?? (first is null ? 100 : 1);
            if (count < 1)
            {
                problems.Add(string.Create(inv, $"--seeds is {count}; allowed 1..{int.MaxValue}."));
            }
            else if (first is { } f && (f < 0 || f > long.MaxValue - count))
            {
                problems.Add(string.Create(inv, $"--seed is {f}; allowed 0..{long.MaxValue - count} (room for {count} seed(s))."));
            }

            var operations = parse.GetValue(ops);
            if (operations is < 1 or > SimulationOptions.MaxOperations)
            {
                problems.Add(string.Create(inv, $"--ops is {operations}; allowed 1..{SimulationOptions.MaxOperations} (client operations in the safety phase)."));
            }

            if (SecondsProblem(parse, duration, SimulationOptions.MaxSafetyDuration, "simulated seconds", out var safety) is { } durationProblem)
            {
                problems.Add(durationProblem);
            }

            if (SecondsProblem(parse, seedTimeout, TimeSpan.FromDays(1), "wall seconds", out var seedLimit) is { } limitProblem)
            {
                problems.Add(limitProblem);
            }

            var faulty = parse.GetValue(byzantine);
            if (faulty < 0 || (faulty > 0 && faulty >= nodeCount))
            {
                problems.Add(string.Create(inv,
                    $"--byzantine is {faulty}; allowed 0..{Math.Max(0, nodeCount - 1)} for {nodeCount} nodes (a Byzantine protocol tolerates f = {Math.Max(0, (nodeCount - 1) / 3)}; more is for showing it breaks)."));
            }

            var faultText = parse.GetValue(faults);
            if (!SimFaultNames.TryParse(faultText, out var parsedFaults, out var faultError))
            {
                problems.Add($"--faults '{faultText}': {faultError}");
            }

            bool? Mode(Option<string> option)
            {
                var value = parse.GetValue(option);
                if (string.Equals(value, "varied", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "fixed", StringComparison.OrdinalIgnoreCase))
                {
                    return string.Equals(value, "varied", StringComparison.OrdinalIgnoreCase);
                }

                problems.Add($"{option.Name} is '{value}'; allowed values varied, fixed.");
                return null;
            }

            var varyOptions = Mode(optionsMode);
            var varySchedule = Mode(scheduleMode);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    error.WriteLine("error: " + problem);
                }

                return Task.FromResult(VerifyOutput.ExitBadInput);
            }

            return KernelCli.WithRuntime(parse, error, runtime =>
            {
                var key = parse.GetValue(strategy)!;
                if (!runtime.Registry.TryGet(key, out var registration))
                {
                    error.WriteLine("error: " + NotRegistered(runtime, key));
                    return VerifyOutput.ExitBadInput;
                }

                if (!Verifier.CanVerify(registration.Strategy))
                {
                    error.WriteLine("error: " + VerifyOutput.NotVerifiable(key, registration.Strategy));
                    return VerifyOutput.ExitBadInput;
                }

                if (faulty > 0 && registration.Strategy is not IConsensusStrategy { Capabilities.Faults: FaultModel.Byzantine })
                {
                    error.WriteLine($"error: --byzantine is {faulty.ToString(CultureInfo.InvariantCulture)}, but {key} does not declare the Byzantine fault model "
                        + "(only a consensus strategy whose capabilities say FaultModel.Byzantine can be run with faulty replicas); use --byzantine 0.");
                    return VerifyOutput.ExitBadInput;
                }

                var jsonOut = parse.GetValue(json);

                // What the strategy's options name (a conflict resolver of another plugin) comes through the kernel's
                // resolver; its leases hold those plugins until the run ends.
                var resolver = runtime.ResolverFor($"verify ({key})");
                var bar = !jsonOut && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected ? new ProgressBar(error) : null;
                var options = new VerifyOptions
                {
                    FirstSeed = first ?? 1,
                    Seeds = count,
                    SeedTimeout = seedLimit,
                    VaryStrategyOptions = varyOptions ?? true,
                    VaryFaultSchedule = varySchedule ?? true,
                    TraceFile = parse.GetValue(trace),
                    HistoryFile = parse.GetValue(history),
                    ReportFile = parse.GetValue(report),
                    Progress = bar is null ? null : bar.Report,
                    Simulation = new SimulationOptions
                    {
                        Nodes = nodeCount,
                        Faults = parsedFaults,
                        Byzantine = faulty,
                        Operations = operations,
                        SafetyDuration = safety,
                        StrategyOptions = runtime.Config.StrategyOptions(registration.Strategy.Category.ToName(), registration.Strategy.Name),
                        Strategies = resolver,
                    },
                };
                try
                {
                    var code = VerifyOutput.Run(registration.Strategy, options, output, jsonOut, key, ReplayArguments(parse), ct);
                    bar?.Done();
                    return code;
                }
                finally
                {
                    resolver.ReleaseAll();
                }
            });
        });
        return command;
    }

    /// <summary>
    /// What the replay line of a run must repeat to load the same strategy with the same options: the configuration file
    /// and plugins folder as given, then the configuration overrides (the tokens no option of the verb matched).
    /// </summary>
    private static List<string> ReplayArguments(ParseResult parse)
    {
        var args = new List<string>();
        foreach (var name in new[] { "--config", "--plugins-dir" })
        {
            if (parse.RootCommandResult.Command.Options.FirstOrDefault(o => o.Name == name) is Option<string?> option
                && parse.GetValue(option) is { } value)
            {
                args.Add(name);
                args.Add(value);
            }
        }

        args.AddRange(parse.UnmatchedTokens);
        return args;
    }

    /// <summary>Why <paramref name="key"/> is not in the registry: disabled by configuration (and where), or unknown.</summary>
    private static string NotRegistered(KernelRuntime runtime, string key)
    {
        var disabled = runtime.Plugins.Plugins
            .SelectMany(p => p.Strategies)
            .FirstOrDefault(s => !s.Enabled && string.Equals($"{s.Category.ToName()}/{s.Name}", key, StringComparison.OrdinalIgnoreCase));
        if (disabled is not null)
        {
            var setting = $"strategies:{disabled.Category.ToName()}:{disabled.Name}:enabled";
            return $"{disabled.Category.ToName()}/{disabled.Name} is disabled ({SourceOf(runtime.Config, disabled.Category.ToName(), disabled.Name)}: "
                + $"strategies.{disabled.Category.ToName()}.{disabled.Name}.enabled is false); enable it or pass --{setting}=true.";
        }

        string Known(StrategyCategory category) =>
            runtime.Registry.All.Where(r => r.Strategy.Category == category && Verifier.CanVerify(r.Strategy)).Select(r => r.Key).ToArray() is { Length: > 0 } keys
                ? string.Join(", ", keys)
                : "none";
        var replicationKnown = Known(StrategyCategory.Replication);
        var message = $"--strategy '{key}' is not registered; consensus strategies: {Known(StrategyCategory.Consensus)}"
            + (replicationKnown == "none" ? "." : $"; replication strategies: {replicationKnown}.");
        var disabledPlugins = runtime.Plugins.Plugins.Where(p => p.Status == PluginStatus.Disabled).Select(p => p.Id).ToArray();
        if (disabledPlugins.Length > 0)
        {
            message += $" Disabled plugins, whose strategies are not known until enabled (--plugins:ID:enabled=true): {string.Join(", ", disabledPlugins)}.";
        }

        return message;
    }

    /// <summary>Where a strategy's <c>enabled</c> setting comes from: the file and line, the variable or the argument.</summary>
    private static string SourceOf(KernelConfig config, string category, string name) =>
        config.StrategyEntry(category, name)?.Child("enabled")?.Origin ?? config.Path ?? "the configuration";

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
            Description = $"Search budget in seconds per file, greater than 0 and at most {HistoryCheck.MaxTimeBudget.TotalSeconds:0}; exhausted gives 'unknown' (exit 2)",
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
                return HistoryCheckOutput.ExitUnknown;
            }

            HistoryFormat? parsedFormat = null;
            if (parse.GetValue(format) is { } f)
            {
                if (!HistoryCheck.TryParseFormat(f, out var hf))
                {
                    error.WriteLine($"error: --format '{f}' is not a format; formats: {string.Join(", ", HistoryCheck.FormatNames)}.");
                    return HistoryCheckOutput.ExitUnknown;
                }

                parsedFormat = hf;
            }

            if (parse.GetValue(maxSteps) is < 1 and var steps)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: --max-steps is {steps}; allowed 1..{long.MaxValue} search steps per file."));
                return HistoryCheckOutput.ExitUnknown;
            }

            if (SecondsProblem(parse, timeout, HistoryCheck.MaxTimeBudget, "seconds (the search budget per file)", out var budget) is { } problem)
            {
                error.WriteLine("error: " + problem);
                return HistoryCheckOutput.ExitUnknown;
            }

            var options = new CheckOptions { MaxSteps = parse.GetValue(maxSteps), TimeBudget = budget };
            return HistoryCheckOutput.RunAll(modelName, parse.GetValue(file)!, output, parsedFormat, options);
        });
        return command;
    }

    /// <summary>
    /// Reads a number of seconds that must be positive, finite and at most <paramref name="max"/>; otherwise returns one line
    /// naming the option, the value as typed and the range.
    /// </summary>
    private static string? SecondsProblem(ParseResult parse, Option<double> option, TimeSpan max, string what, out TimeSpan value)
    {
        var seconds = parse.GetValue(option);
        if (double.IsFinite(seconds) && seconds > 0 && seconds <= max.TotalSeconds)
        {
            value = TimeSpan.FromSeconds(seconds);
            if (value > TimeSpan.Zero)
            {
                return null;
            }
        }

        var typed = parse.GetResult(option)?.Tokens is [.., var last] ? last.Value : seconds.ToString(CultureInfo.InvariantCulture);
        value = default;
        return string.Create(CultureInfo.InvariantCulture, $"{option.Name} is '{typed}'; it must be a positive number of {what} up to {max.TotalSeconds:0}.");
    }
}
