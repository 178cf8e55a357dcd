using System.Globalization;
using System.Text;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Verification;

/// <summary>
/// What one seed runs with, drawn from the seed alone (so a replay of the seed draws the same): the strategy's options,
/// varied over what the strategy declares (<see cref="IOptionVariations"/>), and a fault schedule, a subset of the requested
/// faults at some intensity, in the manner of FoundationDB's randomized knobs. A bug that one fault exposes is then not
/// drowned by all the others, and paths the default options never reach get reached.
/// </summary>
internal sealed class SeedPlan
{
    private const ulong PlanStream = 0x5EED_9A1A_C0FF_EE00;

    private SeedPlan(SimulationOptions simulation, IReadOnlyList<KeyValuePair<string, string>> drawnOptions, string schedule)
    {
        Simulation = simulation;
        DrawnOptions = drawnOptions;
        Schedule = schedule;
    }

    /// <summary>The simulation options of the seed: its strategy options and its faults with their intensities.</summary>
    public SimulationOptions Simulation { get; }

    /// <summary>The options drawn for this seed (on top of the configured ones), in the order drawn.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DrawnOptions { get; }

    /// <summary>The fault schedule in a line: <c>faults crash,disk; nemesis every 150 ms; snapshot every 20</c>.</summary>
    public string Schedule { get; }

    /// <summary>The plan in a line, for reports: drawn options and schedule.</summary>
    public string Describe() =>
        (DrawnOptions.Count == 0 ? "options as configured" : "options " + string.Join(",", DrawnOptions.Select(o => $"{o.Key}={o.Value}")))
        + "; " + Schedule;

    public static SeedPlan For(IStrategy strategy, VerifyOptions options, long seed)
    {
        var random = new SimRandom(unchecked((ulong)seed * 0x9E37_79B9_7F4A_7C15UL) ^ PlanStream);
        var baseOptions = options.Simulation.StrategyOptions ?? new ConfigurationBuilder().Build();
        var drawn = options.VaryStrategyOptions && strategy is IOptionVariations variations
            ? DrawOptions(strategy, variations, baseOptions, random)
            : [];
        var simulation = options.Simulation;
        if (drawn.Count > 0)
        {
            simulation = simulation with { StrategyOptions = Overlay(baseOptions, drawn) };
        }

        var schedule = new StringBuilder();
        if (options.VaryFaultSchedule && simulation.Faults != SimFaults.None && !random.Chance(0.25))
        {
            simulation = DrawSchedule(simulation, random);
        }

        var inv = CultureInfo.InvariantCulture;
        schedule.Append(inv, $"faults {SimFaultNames.Format(simulation.Faults)}");
        if (simulation.Faults != SimFaults.None)
        {
            schedule.Append(inv, $"; nemesis every {simulation.NemesisInterval.TotalMilliseconds:0} ms");
            if (simulation.Faults.HasFlag(SimFaults.Drop))
            {
                schedule.Append(inv, $"; drop {simulation.DropProbability}");
            }

            if (simulation.Faults.HasFlag(SimFaults.Duplicate))
            {
                schedule.Append(inv, $"; duplicate {simulation.DuplicateProbability}");
            }

            if (simulation.Faults.HasFlag(SimFaults.Reorder))
            {
                schedule.Append(inv, $"; reorder {simulation.ReorderProbability}");
            }
        }

        schedule.Append(inv, $"; snapshot every {simulation.SnapshotEvery}");
        return new SeedPlan(simulation, drawn, schedule.ToString());
    }

    /// <summary>
    /// Each declared option is drawn with probability one half (else left as configured); options the configuration sets
    /// are never varied. A combination the strategy refuses is drawn again, up to 20 times, then the configured options stand.
    /// </summary>
    private static List<KeyValuePair<string, string>> DrawOptions(IStrategy strategy, IOptionVariations variations, IConfiguration baseOptions, SimRandom random)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var drawn = new List<KeyValuePair<string, string>>();
            foreach (var v in variations.Variations)
            {
                if (v.Values.Count == 0 || baseOptions[v.Name] is not null || !random.Chance(0.5))
                {
                    continue;
                }

                drawn.Add(new(v.Name, v.Values[random.Next(v.Values.Count)]));
            }

            if (drawn.Count == 0 || strategy.ValidateOptions(Overlay(baseOptions, drawn)).Count == 0)
            {
                return drawn;
            }
        }

        return [];
    }

    private static IConfiguration Overlay(IConfiguration baseOptions, IReadOnlyList<KeyValuePair<string, string>> drawn) =>
        new ConfigurationBuilder()
            .AddConfiguration(baseOptions)
            .AddInMemoryCollection(drawn.Select(d => new KeyValuePair<string, string?>(d.Key, d.Value)))
            .Build();

    /// <summary>
    /// A subset of the requested faults (each kept with probability one half, at least one), the nemesis quick or slow,
    /// and message faults light or heavy; the snapshot interval short or long.
    /// </summary>
    private static SimulationOptions DrawSchedule(SimulationOptions simulation, SimRandom random)
    {
        var requested = Enum.GetValues<SimFaults>().Where(f => f is not (SimFaults.None or SimFaults.All) && simulation.Faults.HasFlag(f)).ToArray();
        var chosen = SimFaults.None;
        foreach (var f in requested)
        {
            if (random.Chance(0.5))
            {
                chosen |= f;
            }
        }

        if (chosen == SimFaults.None)
        {
            chosen = requested[random.Next(requested.Length)];
        }

        double[] rates = [0.01, 0.05, 0.15];
        int[] intervals = [150, 400, 1200];
        int[] snapshots = [5, 20, 100, 1000];
        return simulation with
        {
            Faults = chosen,
            NemesisInterval = TimeSpan.FromMilliseconds(intervals[random.Next(intervals.Length)]),
            DropProbability = rates[random.Next(rates.Length)],
            DuplicateProbability = rates[random.Next(rates.Length)],
            ReorderProbability = random.Chance(0.5) ? 0.1 : 0.3,
            SnapshotEvery = random.Chance(0.5) ? simulation.SnapshotEvery : snapshots[random.Next(snapshots.Length)],
        };
    }
}
