using System.Globalization;
using Kernel.Sdk.Consensus;
using History = Kernel.Sdk.Testing.Linearizability.History;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>Operations of a run's history by outcome.</summary>
/// <param name="Ok">Completed successfully.</param>
/// <param name="Fail">Definitely did not happen (refused, or a compare-and-set whose comparison failed).</param>
/// <param name="Info">Outcome unknown (timed out).</param>
public readonly record struct OperationCounts(int Ok, int Fail, int Info)
{
    /// <summary>Every operation.</summary>
    public int Total => Ok + Fail + Info;

    /// <summary>Adds two counts.</summary>
    public static OperationCounts operator +(OperationCounts a, OperationCounts b) => new(a.Ok + b.Ok, a.Fail + b.Fail, a.Info + b.Info);
}

/// <summary>What one simulated run produced. The client history is checked for linearizability by the verifier.</summary>
public sealed class SimulationResult
{
    internal SimulationResult(long seed, IReadOnlyList<Violation> violations, History history, OperationCounts operations,
        TimeSpan simulated, string traceHash, long events, NodeCounters counters)
    {
        Seed = seed;
        Violations = violations;
        History = history;
        Operations = operations;
        SimulatedTime = simulated;
        TraceHash = traceHash;
        Events = events;
        Counters = counters;
    }

    /// <summary>The seed.</summary>
    public long Seed { get; }

    /// <summary>Invariant violations found while running (linearizability is checked afterwards, by the verifier).</summary>
    public IReadOnlyList<Violation> Violations { get; }

    /// <summary>The client history (kv-cas operations, one process per client).</summary>
    public History History { get; }

    /// <summary>Operations by outcome.</summary>
    public OperationCounts Operations { get; }

    /// <summary>Virtual time the run covered.</summary>
    public TimeSpan SimulatedTime { get; }

    /// <summary>SHA-256 of the event trace: a run is reproduced exactly when this matches.</summary>
    public string TraceHash { get; }

    /// <summary>Events in the trace.</summary>
    public long Events { get; }

    /// <summary>Counters summed over the nodes.</summary>
    public NodeCounters Counters { get; }
}

/// <summary>
/// Runs one complete simulation: a cluster of the strategy, the client workload, a safety phase under the nemesis's
/// faults, then a liveness phase with every fault healed, then the end-of-run checks (every acknowledged write present on
/// every node). A pure function of strategy, options and seed.
/// </summary>
public static class Simulator
{
    /// <summary>Runs the simulation described by <paramref name="options"/>.</summary>
    public static SimulationResult Run(IConsensusStrategy strategy, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(options);
        var cluster = new SimCluster(strategy, options);
        var workload = new Workload(cluster);
        var nemesis = new Nemesis(cluster);
        workload.Start();
        nemesis.Start();
        if (options.Operations is { } quota)
        {
            cluster.RunUntil(_ => workload.Invoked >= quota && workload.InFlight == 0, options.SafetyDuration);
        }
        else
        {
            cluster.RunFor(options.SafetyDuration);
        }

        if (!cluster.Stopped)
        {
            nemesis.HealAll();
            workload.MarkLiveness();
            var live = cluster.RunUntil(_ => workload.OkSinceMark >= options.LivenessOperations, options.LivenessTimeout);
            if (!live && !cluster.Stopped)
            {
                var leader = cluster.Leader();
                cluster.Violate(ViolationKinds.Liveness,
                    $"with every fault healed only {workload.OkSinceMark} of {options.LivenessOperations} operations completed within {options.LivenessTimeout.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)}s (leader: {leader})");
            }
        }

        workload.Stop();
        cluster.RunUntil(_ => workload.InFlight == 0, options.ClientTimeout + options.ClientTimeout);
        workload.Finish();
        if (!cluster.Stopped && cluster.Violations.Count == 0)
        {
            CheckAcknowledged(cluster, workload, options);
        }

        var history = workload.BuildHistory().Build();
        return new SimulationResult(options.Seed, [.. cluster.Violations], history, new OperationCounts(workload.Ok, workload.Fail, workload.Info),
            cluster.Now, cluster.TraceHash, cluster.EventCount, cluster.TotalCounters);
    }

    private static void CheckAcknowledged(SimCluster cluster, Workload workload, SimulationOptions options)
    {
        if (workload.Acknowledged.Count == 0)
        {
            return;
        }

        var target = workload.Acknowledged.Max(a => a.Index);
        var nodes = cluster.AllNodes;
        cluster.RunUntil(_ => nodes.All(n => n.Up && n.Applied >= target), options.LivenessTimeout);
        foreach (var (index, hash, what) in workload.Acknowledged)
        {
            if (!cluster.AppliedAtMatches(index, hash))
            {
                cluster.Violate(ViolationKinds.LostAcknowledgedWrite, $"acknowledged {what} at index {index} is not the entry the nodes applied there");
                return;
            }

            foreach (var n in nodes)
            {
                if (n.Applied < index)
                {
                    cluster.Violate(ViolationKinds.LostAcknowledgedWrite,
                        $"{n.Id} applied only up to {n.Applied} after the liveness phase; acknowledged {what} at index {index} never reached it");
                    return;
                }
            }
        }
    }
}
