using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using CheckOptions = Kernel.Sdk.Testing.Linearizability.CheckOptions;
using JsonLinesHistory = Kernel.Sdk.Testing.Linearizability.JsonLinesHistory;
using Models = Kernel.Sdk.Testing.Linearizability.Models;
using Verdict = Kernel.Sdk.Testing.Linearizability.Verdict;

namespace Kernel.Sdk.Testing.Verification;

/// <summary>What to verify: which seeds, under which simulation options, and what to write out.</summary>
public sealed record VerifyOptions
{
    /// <summary>The first seed; seeds <see cref="FirstSeed"/> .. <see cref="FirstSeed"/> + <see cref="Seeds"/> - 1 are run.</summary>
    public long FirstSeed { get; init; } = 1;

    /// <summary>How many seeds to run.</summary>
    public int Seeds { get; init; } = 100;

    /// <summary>The simulation of each seed (its <see cref="SimulationOptions.Seed"/> and trace are set per seed).</summary>
    public SimulationOptions Simulation { get; init; } = new();

    /// <summary>
    /// Time the linearizability check of one seed may take. A seed whose check runs out of it (or of <see cref="CheckMaxSteps"/>)
    /// has no verdict: it is reported as a violation of kind <see cref="ViolationKinds.Unchecked"/>, so the run is not clean.
    /// </summary>
    public TimeSpan CheckBudget { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Wall time one seed's simulation may take (null: no limit). A seed past it is stopped between two events and
    /// reported as a <see cref="ViolationKinds.Hang"/> (a strategy that loops or floods the run), and the run goes on with
    /// the next seed; a loop that never returns to the simulator is left behind on its own background thread. Default 2 minutes.
    /// </summary>
    public TimeSpan? SeedTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Search steps the linearizability check of one seed may take (null: no step limit; only <see cref="CheckBudget"/>).
    /// Unlike the time budget, the same on every machine.</summary>
    public long? CheckMaxSteps { get; init; }

    /// <summary>
    /// Draw the strategy's options per seed from the values it declares (<see cref="IOptionVariations"/>), over what the
    /// configuration sets (options it sets are never varied). Off: every seed runs the configured options.
    /// </summary>
    public bool VaryStrategyOptions { get; init; } = true;

    /// <summary>
    /// Give each seed a fault schedule of its own: a quarter of the seeds run every requested fault at the default
    /// intensities, the others a subset of them with a quick or slow nemesis, light or heavy message faults and a short or
    /// long snapshot interval. Off: every seed runs every requested fault as <see cref="Simulation"/> says.
    /// </summary>
    public bool VaryFaultSchedule { get; init; } = true;

    /// <summary>Stop at the first seed with a violation (what a test wants), instead of running every seed.</summary>
    public bool StopAtFirstViolation { get; init; }

    /// <summary>Write the event trace of <see cref="TraceSeed"/> (default: the first seed) to this file.</summary>
    public string? TraceFile { get; init; }

    /// <summary>Write the client history of <see cref="TraceSeed"/> to this file, in the kit's JSON Lines format.</summary>
    public string? HistoryFile { get; init; }

    /// <summary>
    /// Write a self-contained HTML report to this file: a timeline of one seed (client operations per client, faults,
    /// the leader per term) with its violations, a linearizability counterexample highlighted. The seed is the first
    /// violating one when the run found a violation (replayed after the run when it is not <see cref="TraceSeed"/>),
    /// otherwise <see cref="TraceSeed"/> (default: the first seed).
    /// </summary>
    public string? ReportFile { get; init; }

    /// <summary>The seed whose trace and history are written (default <see cref="FirstSeed"/>).</summary>
    public long? TraceSeed { get; init; }

    /// <summary>The wall clock of the reported wall time and of the checker's time budget (simulations never read it).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called after each seed (the CLI draws a progress bar with it).</summary>
    public Action<VerifyProgress>? Progress { get; init; }

    /// <summary>Returns the problems of these options, one message each; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Simulation.Validate());
        if (Seeds < 1)
        {
            errors.Add($"Seeds is {Seeds}; at least 1 is needed.");
        }

        if (FirstSeed < 0 || FirstSeed > long.MaxValue - Seeds)
        {
            errors.Add($"FirstSeed is {FirstSeed}; it must be non-negative and leave room for {Seeds} seeds.");
        }

        if (CheckBudget <= TimeSpan.Zero)
        {
            errors.Add("CheckBudget must be positive.");
        }

        if (SeedTimeout is { } limit && limit <= TimeSpan.Zero)
        {
            errors.Add("SeedTimeout must be positive (or null for no limit).");
        }

        if (CheckMaxSteps is < 1)
        {
            errors.Add($"CheckMaxSteps is {CheckMaxSteps}; at least 1 is needed.");
        }

        return errors;
    }
}

/// <summary>Progress of a verification.</summary>
/// <param name="Done">Seeds finished.</param>
/// <param name="Total">Seeds to run.</param>
/// <param name="Seed">The seed just finished.</param>
/// <param name="Violations">Violations found so far.</param>
public readonly record struct VerifyProgress(int Done, int Total, long Seed, int Violations);

/// <summary>The outcome of a verification over many seeds.</summary>
public sealed class VerifySummary
{
    internal VerifySummary(string strategy, long firstSeed, int seedsRun, OperationCounts operations, IReadOnlyList<Violation> violations,
        int uncheckedSeeds, TimeSpan simulated, TimeSpan wall, IReadOnlyList<string> traceHashes, IReadOnlyDictionary<long, string> plans,
        IReadOnlyList<(long Seed, TimeSpan Time)> recoveries, IReadOnlyDictionary<string, Distribution> measurements)
    {
        Measurements = measurements;
        Plans = plans;
        if (recoveries.Count > 0)
        {
            var sorted = recoveries.OrderBy(r => r.Time).ThenBy(r => r.Seed).ToArray();
            MedianRecovery = sorted[sorted.Length / 2].Time;
            SlowestRecovery = sorted[^1].Time;
            SlowestRecoverySeed = sorted[^1].Seed;
        }

        Strategy = strategy;
        FirstSeed = firstSeed;
        SeedsRun = seedsRun;
        Operations = operations;
        Violations = violations;
        UncheckedSeeds = uncheckedSeeds;
        SimulatedTime = simulated;
        WallTime = wall;
        TraceHashes = traceHashes;
    }

    /// <summary>The strategy's name.</summary>
    public string Strategy { get; }

    /// <summary>The first seed.</summary>
    public long FirstSeed { get; }

    /// <summary>Seeds run.</summary>
    public int SeedsRun { get; }

    /// <summary>Client operations over every seed.</summary>
    public OperationCounts Operations { get; }

    /// <summary>Every violation found, in seed order, unchecked seeds (<see cref="ViolationKinds.Unchecked"/>) included.</summary>
    public IReadOnlyList<Violation> Violations { get; }

    /// <summary>Seeds whose linearizability check ran out of budget: no verdict, each also listed in <see cref="Violations"/>
    /// with kind <see cref="ViolationKinds.Unchecked"/> (so such a run is not <see cref="Clean"/>).</summary>
    public int UncheckedSeeds { get; }

    /// <summary>Virtual time simulated over every seed.</summary>
    public TimeSpan SimulatedTime { get; }

    /// <summary>Wall-clock time the verification took.</summary>
    public TimeSpan WallTime { get; }

    /// <summary>The trace hash of each seed run, in order.</summary>
    public IReadOnlyList<string> TraceHashes { get; }

    /// <summary>
    /// For every seed with a violation, what it ran with: the options drawn for it and its fault schedule
    /// (see <see cref="VerifyOptions.VaryStrategyOptions"/>, <see cref="VerifyOptions.VaryFaultSchedule"/>).
    /// </summary>
    public IReadOnlyDictionary<long, string> Plans { get; }

    /// <summary>The median, over the seeds, of the time from healing every fault to completing the liveness phase's operations.</summary>
    public TimeSpan? MedianRecovery { get; }

    /// <summary>The longest such recovery, and <see cref="SlowestRecoverySeed"/> the seed it took.</summary>
    public TimeSpan? SlowestRecovery { get; }

    /// <summary>The seed of <see cref="SlowestRecovery"/>.</summary>
    public long? SlowestRecoverySeed { get; }

    /// <summary>What the replicas measured (<see cref="Kernel.Sdk.Replication.IMeasuredReplica"/>), by measurement, summed over every seed run; empty when none measures anything.</summary>
    public IReadOnlyDictionary<string, Distribution> Measurements { get; }

    /// <summary>True when no violation was found and every seed got a verdict.</summary>
    public bool Clean => Violations.Count == 0;

    /// <summary>The first seed with a violation, or null.</summary>
    public long? FirstViolatingSeed => Violations.Count == 0 ? null : Violations.Min(v => v.Seed);
}

/// <summary>
/// Runs a strategy through the simulator for many seeds and checks each run. A consensus strategy: the invariants the
/// simulator checks as it runs (one leader per term, no divergent applied entries, applied prefix never shrinks, every
/// acknowledged write applied everywhere), then linearizability of the client history under the kv-cas model (per key).
/// A replication strategy: what its <see cref="IReplicationStrategy.Guarantee"/> promises. Linearizable: the kv-cas
/// check of the history, as for consensus (the log invariants do not apply). Convergent: convergence and no lost
/// acknowledged write once the faults are healed and the clients stopped (see
/// <see cref="Simulator.Run(IReplicationStrategy, SimulationOptions)"/> for the exact rules); the history is recorded
/// but not checked for linearizability, which such a strategy does not promise.
/// </summary>
public static class Verifier
{
    /// <summary>
    /// Verifies <paramref name="strategy"/>, an <see cref="IConsensusStrategy"/> or an <see cref="IReplicationStrategy"/>,
    /// over the seeds of <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="VerifyOptions.Validate"/>), or the
    /// strategy is of another category (see <see cref="CanVerify"/>).</exception>
    public static VerifySummary Run(IStrategy strategy, VerifyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return strategy switch
        {
            IConsensusStrategy consensus => Run(strategy, options, simulation => Simulator.Run(consensus, simulation), linearizable: true, cancellationToken),
            IReplicationStrategy replication => Run(strategy, options, simulation => Simulator.Run(replication, simulation),
                linearizable: replication.Guarantee == ReplicationGuarantee.Linearizable, cancellationToken),
            _ => throw new ArgumentException(CannotVerify(strategy), nameof(strategy)),
        };
    }

    /// <summary>True for the strategies the verifier runs: consensus (<see cref="IConsensusStrategy"/>) and replication (<see cref="IReplicationStrategy"/>).</summary>
    public static bool CanVerify(IStrategy strategy) => strategy is IConsensusStrategy or IReplicationStrategy;

    internal static string CannotVerify(IStrategy strategy) =>
        $"{strategy.Name} is a {strategy.Category.ToName()} strategy; the verifier runs consensus and replication strategies (a {strategy.Category.ToName()} strategy has no cluster to simulate).";

    private static VerifySummary Run(IStrategy strategy, VerifyOptions options, Func<SimulationOptions, SimulationResult> simulate,
        bool linearizable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        var started = options.TimeProvider.GetTimestamp();
        var violations = new List<Violation>();
        var hashes = new List<string>();
        var operations = default(OperationCounts);
        var simulated = TimeSpan.Zero;
        var unchecked_ = 0;
        var run = 0;
        var plans = new Dictionary<long, string>();
        var recoveries = new List<(long, TimeSpan)>();
        var measurements = new Dictionary<string, Distribution>(StringComparer.Ordinal);
        var traceSeed = options.TraceSeed ?? options.FirstSeed;
        (long Seed, SimulationResult Result, IReadOnlyList<Violation> Violations, ReportTrace Trace)? reported = null;
        for (var i = 0; i < options.Seeds && !cancellationToken.IsCancellationRequested; i++)
        {
            var seed = options.FirstSeed + i;
            var plan = SeedPlan.For(strategy, options, seed);
            var report = options.ReportFile is not null && seed == traceSeed ? new ReportTrace() : null;
            var outcome = RunSeed(simulate, linearizable, options, plan.Simulation, seed, seed == traceSeed, report);
            if (report is not null)
            {
                reported = (seed, outcome.Result, outcome.Violations, report);
            }

            run++;
            operations += outcome.Result.Operations;
            if (outcome.Result.Recovery is { } recovered)
            {
                recoveries.Add((seed, recovered));
            }

            simulated += outcome.Result.SimulatedTime;
            Distribution.Merge(outcome.Result.Measurements, measurements);
            hashes.Add(outcome.Result.TraceHash);
            violations.AddRange(outcome.Violations);
            if (outcome.Violations.Count > 0)
            {
                plans[seed] = plan.Describe();
            }
            if (outcome.Unchecked)
            {
                unchecked_++;
            }

            options.Progress?.Invoke(new VerifyProgress(run, options.Seeds, seed, violations.Count));
            if (options.StopAtFirstViolation && violations.Count > 0)
            {
                break;
            }
        }

        if (options.ReportFile is { } reportFile && run > 0)
        {
            WriteReport(strategy, options, simulate, linearizable, violations, reported, reportFile);
        }

        return new VerifySummary(strategy.Name, options.FirstSeed, run, operations, violations, unchecked_, simulated, options.TimeProvider.GetElapsedTime(started), hashes, plans, recoveries, measurements);
    }

    /// <summary>
    /// Writes the HTML report of the first violating seed, or else of the trace seed (of the first seed when the trace
    /// seed was not run). A seed the run did not trace for the report is replayed (a simulation is a pure function of
    /// strategy, options and seed), its files not written again.
    /// </summary>
    private static void WriteReport(IStrategy strategy, VerifyOptions options, Func<SimulationOptions, SimulationResult> simulate, bool linearizable,
        List<Violation> violations, (long Seed, SimulationResult Result, IReadOnlyList<Violation> Violations, ReportTrace Trace)? reported, string path)
    {
        var traceSeed = options.TraceSeed ?? options.FirstSeed;
        long seed;
        string why;
        if (violations.Count > 0)
        {
            seed = violations.Min(v => v.Seed);
            why = "the first violating seed";
        }
        else
        {
            seed = reported?.Seed ?? options.FirstSeed;
            why = seed == options.FirstSeed ? "the first seed (no violation)" : "the trace seed (no violation)";
        }

        var simulation = SeedPlan.For(strategy, options, seed).Simulation;
        if (reported is not { } r || r.Seed != seed)
        {
            var trace = new ReportTrace();
            var outcome = RunSeed(simulate, linearizable, options, simulation, seed, writeFiles: false, trace);
            r = (seed, outcome.Result, outcome.Violations, trace);
        }

        var category = strategy is IConsensusStrategy ? "consensus" : "replication";
        HtmlReport.Write(path, new ReportInput(strategy.Name, category, seed, why, simulation, r.Result, r.Violations, r.Trace, linearizable));
    }

    /// <summary>Runs and checks one seed (the kv-cas check only when <paramref name="linearizable"/>).</summary>
    internal static (SimulationResult Result, IReadOnlyList<Violation> Violations, bool Unchecked) RunSeed(
        Func<SimulationOptions, SimulationResult> simulate, bool linearizable, VerifyOptions options, SimulationOptions simulation, long seed, bool writeFiles, ReportTrace? report = null)
    {
        TextWriter? trace = null;
        try
        {
            if (writeFiles && options.TraceFile is { } path)
            {
                trace = new StreamWriter(path, append: false) { AutoFlush = false };
            }

            if (report is not null)
            {
                // The report reads the text trace as it is written; the trace file, if any, still gets every line.
                report.Inner = trace;
                trace = report;
            }

            var result = RunWithinLimit(simulate, simulation with { Seed = seed, Trace = trace }, options.SeedTimeout);
            if (writeFiles && options.HistoryFile is { } historyPath)
            {
                using var writer = new StreamWriter(historyPath, append: false);
                JsonLinesHistory.Write(result.History, writer);
            }

            var violations = new List<Violation>(result.Violations);
            var uncheckedSeed = false;
            if (violations.Count == 0 && linearizable)
            {
                Models.TryGet("kv-cas", out var model);
                var check = model!.Check(result.History, new CheckOptions
                {
                    TimeBudget = options.CheckBudget,
                    MaxSteps = options.CheckMaxSteps,
                    TimeProvider = options.TimeProvider,
                });
                if (report is not null)
                {
                    report.Check = check;
                }
                if (check.Verdict == Verdict.NotLinearizable)
                {
                    violations.Add(new Violation(seed, ViolationKinds.Linearizability,
                        "the client history is not linearizable (kv-cas model)" + Environment.NewLine + check.Counterexample, result.SimulatedTime));
                }
                else if (check.Verdict == Verdict.Unknown)
                {
                    uncheckedSeed = true;
                    violations.Add(new Violation(seed, ViolationKinds.Unchecked,
                        $"the client history ({check.Operations} operations) got no linearizability verdict within the check budget: {check.Reason}; "
                        + $"replay the seed to write its history and check it with a larger budget (kernel check-history --model kv-cas --timeout 600 history-{seed}.jsonl)",
                        result.SimulatedTime));
                }
            }

            if (trace is not null)
            {
                foreach (var v in violations)
                {
                    trace.WriteLine("# " + v);
                }
            }

            return (result, violations, uncheckedSeed);
        }
        finally
        {
            trace?.Dispose();
        }
    }

    /// <summary>Runs one seed's simulation on a thread of its own, stopped at <paramref name="limit"/> of wall time.</summary>
    private static SimulationResult RunWithinLimit(Func<SimulationOptions, SimulationResult> simulate, SimulationOptions simulation, TimeSpan? limit)
    {
        if (limit is not { } wall)
        {
            return simulate(simulation);
        }

        using var abort = new CancellationTokenSource();
        SimulationResult? result = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = simulate(simulation with { Abort = abort.Token });
                }
                catch (Exception ex)
                {
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                }
            },
            maxStackSize: 16 << 20)
        {
            IsBackground = true,
            Name = "verify seed " + simulation.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        thread.Start();
        if (!thread.Join(wall))
        {
            abort.Cancel();
            if (!thread.Join(TimeSpan.FromTicks(Math.Min(wall.Ticks, TimeSpan.TicksPerSecond * 10))))
            {
                // Stuck inside the strategy, where no event boundary comes: leave the thread and report the seed.
                var hang = new Violation(simulation.Seed, ViolationKinds.Hang,
                    $"the seed did not finish within {wall.TotalSeconds:F0}s of wall time and did not stop when asked: a loop inside the strategy that never returns to the simulator",
                    TimeSpan.Zero);
                return new SimulationResult(simulation.Seed, [hang], new Kernel.Sdk.Testing.Linearizability.HistoryBuilder().Build(), default, TimeSpan.Zero, "hung", 0, default, null);
            }
        }

        failure?.Throw();
        return result!;
    }
}
