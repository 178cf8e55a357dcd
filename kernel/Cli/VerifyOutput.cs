using System.Globalization;
using System.Text;
using System.Text.Json;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;

namespace Kernel.Host.Cli;

/// <summary>
/// The <c>verify</c> verb's output around the testing kit's <see cref="Verifier"/>: runs the seeds, prints a human
/// report or one JSON object, and returns the exit code.
/// </summary>
internal static class VerifyOutput
{
    /// <summary>Exit code: no violation.</summary>
    public const int ExitClean = 0;

    /// <summary>Exit code: at least one violation, or a seed whose history got no verdict within the check budget (kind <c>unchecked</c>).</summary>
    public const int ExitViolations = 1;

    /// <summary>Exit code: bad input (options, strategy options, files).</summary>
    public const int ExitBadInput = 2;

    /// <summary>
    /// Verifies <paramref name="strategy"/> and reports to <paramref name="output"/>: with <paramref name="json"/> one JSON object
    /// (<c>strategy</c>, <c>seeds</c>, <c>firstSeed</c>, <c>faults</c>, <c>operations</c> {<c>ok</c>, <c>fail</c>, <c>info</c>,
    /// <c>total</c>}, <c>violations</c> [{<c>seed</c>, <c>kind</c>, <c>message</c>, <c>atSeconds</c>, <c>reproduce</c>}],
    /// <c>uncheckedSeeds</c>, <c>simulatedSeconds</c>, <c>wallSeconds</c>, and <c>traceHash</c> and <c>reproduce</c> for a single
    /// seed), otherwise a readable report with the command that reproduces the first violation. A seed without a
    /// linearizability verdict is a violation of kind <c>unchecked</c>. Returns <see cref="ExitClean"/>,
    /// <see cref="ExitViolations"/> or <see cref="ExitBadInput"/>.
    /// </summary>
    /// <param name="strategy">The strategy, already created by the caller from its options: a consensus or a replication
    /// strategy (any other category is bad input, see <see cref="Verifier.CanVerify"/> and <see cref="NotVerifiable"/>).</param>
    /// <param name="options">Seeds and simulation options.</param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="json">Print JSON instead of text.</param>
    /// <param name="strategyName">The name the CLI knows the strategy by (default <c>strategy.Name</c>), for the reproduce command.</param>
    /// <param name="replayArguments">Arguments the reproduce command must repeat to load the same strategy with the same
    /// options: <c>--config</c>, <c>--plugins-dir</c> and configuration overrides, as given (see <see cref="ReproduceCommand"/>).</param>
    /// <param name="cancellationToken">Stops between seeds; what ran is reported.</param>
    public static int Run(IStrategy strategy, VerifyOptions options, TextWriter output, bool json = false,
        string? strategyName = null, IReadOnlyList<string>? replayArguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (strategy is null || options is null)
        {
            output.WriteLine("error: a strategy and options are required");
            return ExitBadInput;
        }

        var errors = new List<string>();
        if (!Verifier.CanVerify(strategy))
        {
            errors.Add(NotVerifiable(strategyName ?? strategy.Name, strategy));
        }

        errors.AddRange(options.Validate());
        errors.AddRange(strategy.ValidateOptions(options.Simulation.StrategyOptions ?? new ConfigurationBuilder().Build()));
        foreach (var (option, file) in new[] { ("--trace", options.TraceFile), ("--history", options.HistoryFile), ("--report", options.ReportFile) })
        {
            if (file is null)
            {
                continue;
            }

            if (Directory.Exists(file))
            {
                errors.Add($"{option} '{file}' is a directory; give a file to write.");
            }
            else if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir && !Directory.Exists(dir))
            {
                errors.Add($"{option} '{file}': cannot write it, directory '{dir}' does not exist.");
            }
        }

        if (errors.Count > 0)
        {
            if (json)
            {
                WriteJson(output, w =>
                {
                    w.WriteStartArray("errors");
                    foreach (var e in errors)
                    {
                        w.WriteStringValue(e);
                    }

                    w.WriteEndArray();
                });
            }
            else
            {
                foreach (var e in errors)
                {
                    output.WriteLine("error: " + e);
                }
            }

            return ExitBadInput;
        }

        VerifySummary summary;
        try
        {
            summary = Verifier.Run(strategy, options, cancellationToken);
        }
        catch (IOException ex)
        {
            output.WriteLine("error: " + ex.Message);
            return ExitBadInput;
        }
        catch (UnauthorizedAccessException ex)
        {
            output.WriteLine("error: " + ex.Message);
            return ExitBadInput;
        }

        var name = strategyName ?? strategy.Name;
        string Replay(long seed) => ReproduceCommand(name, seed, options, replayArguments);
        if (json)
        {
            WriteJson(output, w => WriteSummary(w, summary, options, name, Replay));
        }
        else
        {
            WriteText(output, summary, options, name, Replay);
        }

        return summary.Clean ? ExitClean : ExitViolations;
    }

    /// <summary>Why <paramref name="strategy"/>, known as <paramref name="name"/>, cannot be verified (one line, for <c>error: </c>).</summary>
    public static string NotVerifiable(string name, IStrategy strategy)
    {
        var category = strategy.Category.ToName();
        return $"{name} is a {category} strategy; verify runs consensus strategies and replication strategies only (a {category} strategy has no cluster to simulate).";
    }

    /// <summary>
    /// The command line that replays exactly one seed of a run of <paramref name="options"/>: strategy, seed, nodes,
    /// safety-phase duration, operations (when bounded) and faults, then <paramref name="extraArguments"/> (the
    /// <c>--config</c>, <c>--plugins-dir</c> and configuration overrides the run was given, which decide the strategy's
    /// options), with the trace and the history of the seed written to files. Arguments a POSIX shell would split or
    /// expand are single-quoted.
    /// </summary>
    public static string ReproduceCommand(string strategyName, long seed, VerifyOptions options, IReadOnlyList<string>? extraArguments = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inv = CultureInfo.InvariantCulture;
        var sim = options.Simulation;
        var args = new List<string>
        {
            "kernel", "verify", "--strategy", strategyName, "--seed", seed.ToString(inv), "--seeds", "1",
            "--nodes", sim.Nodes.ToString(inv), "--duration", sim.SafetyDuration.TotalSeconds.ToString("R", inv),
        };
        if (sim.Operations is { } ops)
        {
            args.Add("--ops");
            args.Add(ops.ToString(inv));
        }

        args.Add("--faults");
        args.Add(SimFaultNames.Format(sim.Faults));
        if (sim.Byzantine > 0)
        {
            args.Add("--byzantine");
            args.Add(sim.Byzantine.ToString(inv));
        }
        if (!options.VaryStrategyOptions)
        {
            args.AddRange(["--options", "fixed"]);
        }

        if (!options.VaryFaultSchedule)
        {
            args.AddRange(["--schedule", "fixed"]);
        }

        args.AddRange(extraArguments ?? []);
        args.AddRange(["--trace", $"trace-{seed}.txt", "--history", $"history-{seed}.jsonl"]);
        return string.Join(' ', args.Select(ShellQuote));
    }

    private static string ShellQuote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void WriteSummary(Utf8JsonWriter w, VerifySummary s, VerifyOptions options, string name, Func<long, string> replay)
    {
        w.WriteString("strategy", name);
        w.WriteNumber("seeds", s.SeedsRun);
        w.WriteNumber("firstSeed", s.FirstSeed);
        w.WriteString("faults", SimFaultNames.Format(options.Simulation.Faults));
        w.WriteNumber("byzantine", options.Simulation.Byzantine);
        w.WriteNumber("nodes", options.Simulation.Nodes);
        w.WriteStartObject("operations");
        w.WriteNumber("ok", s.Operations.Ok);
        w.WriteNumber("fail", s.Operations.Fail);
        w.WriteNumber("info", s.Operations.Info);
        w.WriteNumber("total", s.Operations.Total);
        w.WriteEndObject();
        w.WriteStartArray("violations");
        foreach (var v in s.Violations)
        {
            w.WriteStartObject();
            w.WriteNumber("seed", v.Seed);
            w.WriteString("kind", v.Kind);
            w.WriteString("message", v.Message);
            w.WriteNumber("atSeconds", Math.Round(v.At.TotalSeconds, 6));
            w.WriteString("plan", s.Plans.TryGetValue(v.Seed, out var plan) ? plan : null);
            w.WriteString("reproduce", replay(v.Seed));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber("uncheckedSeeds", s.UncheckedSeeds);
        if (s.MedianRecovery is { } median)
        {
            w.WriteStartObject("recoverySeconds");
            w.WriteNumber("median", Math.Round(median.TotalSeconds, 3));
            w.WriteNumber("max", Math.Round(s.SlowestRecovery!.Value.TotalSeconds, 3));
            w.WriteNumber("maxSeed", s.SlowestRecoverySeed!.Value);
            w.WriteEndObject();
        }

        if (s.Measurements.Count > 0)
        {
            w.WriteStartObject("measurements");
            foreach (var (measured, d) in s.Measurements.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(measured);
                w.WriteNumber("count", d.Count);
                w.WriteNumber("p50", d.Percentile(0.5));
                w.WriteNumber("p90", d.Percentile(0.9));
                w.WriteNumber("p99", d.Percentile(0.99));
                w.WriteNumber("max", d.Max);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteNumber("simulatedSeconds", Math.Round(s.SimulatedTime.TotalSeconds, 3));
        w.WriteNumber("wallSeconds", Math.Round(s.WallTime.TotalSeconds, 3));
        if (s.TraceHashes.Count == 1)
        {
            w.WriteString("traceHash", s.TraceHashes[0]);
            w.WriteString("reproduce", replay(s.FirstSeed));
        }
    }

    /// <summary>One measurement as a line: its name, count, p50, p90, p99 and maximum, and for a <c>-ticks</c> measurement the same in simulated milliseconds.</summary>
    internal static string MeasurementLine(string name, Distribution d, TimeSpan tick)
    {
        var inv = CultureInfo.InvariantCulture;
        var line = string.Create(inv, $"{name}: {d}");
        if (d.Count > 0 && name.EndsWith("-ticks", StringComparison.Ordinal))
        {
            string Ms(long ticks) => (ticks * tick.TotalMilliseconds).ToString("0.#", inv);
            line += $" (p50 {Ms(d.Percentile(0.5))} ms, p99 {Ms(d.Percentile(0.99))} ms, max {Ms(d.Max)} ms at {Ms(1)} ms per tick)";
        }

        return line;
    }

    private static void WriteText(TextWriter o, VerifySummary s, VerifyOptions options, string name, Func<long, string> replay)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv, $"verify {name}: {s.SeedsRun} seed(s) from {s.FirstSeed}, {options.Simulation.Nodes} nodes{(options.Simulation.Byzantine > 0 ? $" ({options.Simulation.Byzantine} Byzantine)" : "")}, faults {SimFaultNames.Format(options.Simulation.Faults)}"));
        o.WriteLine(string.Create(inv, $"operations: {s.Operations.Total} ({s.Operations.Ok} ok, {s.Operations.Fail} fail, {s.Operations.Info} info)"));
        o.WriteLine(string.Create(inv, $"simulated {s.SimulatedTime.TotalSeconds:F1} s in {s.WallTime.TotalSeconds:F2} s wall ({(s.WallTime.TotalSeconds > 0 ? s.SimulatedTime.TotalSeconds / s.WallTime.TotalSeconds : 0):F0} sim-s per wall-s)"));
        if (s.MedianRecovery is { } median)
        {
            o.WriteLine(string.Create(inv, $"recovery after healing every fault: median {median.TotalSeconds:F2} s, slowest {s.SlowestRecovery!.Value.TotalSeconds:F2} s (seed {s.SlowestRecoverySeed})"));
        }

        foreach (var (measured, d) in s.Measurements.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            o.WriteLine(MeasurementLine(measured, d, options.Simulation.TickInterval));
        }

        if (s.TraceHashes.Count == 1)
        {
            o.WriteLine("trace hash: " + s.TraceHashes[0]);
            o.WriteLine("replay: " + replay(s.FirstSeed));
        }

        if (s.UncheckedSeeds > 0)
        {
            o.WriteLine(string.Create(inv, $"unchecked: {s.UncheckedSeeds} seed(s) had no linearizability verdict within the check budget; they count as not clean"));
        }

        if (s.Clean)
        {
            o.WriteLine("no violations");
            return;
        }

        o.WriteLine(s.UncheckedSeeds > 0
            ? string.Create(inv, $"{s.Violations.Count} violation(s), {s.UncheckedSeeds} of them unchecked:")
            : string.Create(inv, $"{s.Violations.Count} violation(s):"));
        foreach (var v in s.Violations)
        {
            o.WriteLine(string.Create(inv, $"  seed {v.Seed}: {v.Kind} at {v.At.TotalSeconds:F3}s: {Indent(v.Message)}"));
            if (s.Plans.TryGetValue(v.Seed, out var plan))
            {
                o.WriteLine("      ran with: " + plan);
            }
        }

        o.WriteLine("reproduce the first with:");
        o.WriteLine("  " + replay(s.FirstViolatingSeed!.Value));
    }

    private static string Indent(string text) => text.Replace("\n", "\n      ", StringComparison.Ordinal).TrimEnd();

    private static void WriteJson(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }
}
