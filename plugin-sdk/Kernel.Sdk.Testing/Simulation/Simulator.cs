using System.Globalization;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
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
        TimeSpan simulated, string traceHash, long events, NodeCounters counters, TimeSpan? recovery,
        IReadOnlyDictionary<string, Distribution>? measurements = null)
    {
        Measurements = measurements ?? new Dictionary<string, Distribution>();
        Recovery = recovery;
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

    /// <summary>
    /// How long the cluster took, once every fault was healed, to complete the liveness phase's operations; null when it
    /// did not (or the run stopped before).
    /// </summary>
    public TimeSpan? Recovery { get; }

    /// <summary>What the replicas measured (<see cref="Kernel.Sdk.Replication.IMeasuredReplica"/>) over the run, every incarnation included; empty when none measures anything.</summary>
    public IReadOnlyDictionary<string, Distribution> Measurements { get; }
}

/// <summary>
/// Runs one complete simulation: a cluster of the strategy, the client workload, a safety phase under the nemesis's
/// faults, then a liveness phase with every fault healed, then the end-of-run checks. A pure function of strategy,
/// options and seed.
/// </summary>
public static class Simulator
{
    /// <summary>
    /// Runs the simulation described by <paramref name="options"/>. The end-of-run check: every acknowledged write was
    /// applied, as the entry the nodes agree on at its index, by every node.
    /// </summary>
    public static SimulationResult Run(IConsensusStrategy strategy, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RecoveryBound is null && strategy is IRecoveryBound bound)
        {
            var ticks = bound.RecoveryTicks(options.StrategyOptions ?? EmptyConfiguration.Instance);
            options = options with { RecoveryBound = TimeSpan.FromTicks(options.TickInterval.Ticks * Math.Max(1, ticks)) };
        }

        return Run(new SimCluster(strategy, options), options);
    }

    /// <summary>
    /// Runs the simulation described by <paramref name="options"/> with replicas of <paramref name="strategy"/>: the same
    /// network, disks, nemesis (without leadership transfers and membership changes) and workload as for consensus.
    /// For a <see cref="ReplicationGuarantee.Linearizable"/> strategy the history is what gets checked (by the verifier).
    /// For a <see cref="ReplicationGuarantee.Convergent"/> one, once the clients have stopped (every fault healed, every
    /// replica up) the replicas get a quiet period of up to <see cref="SimulationOptions.LivenessTimeout"/> for
    /// anti-entropy, and then:
    /// <list type="bullet">
    /// <item><see cref="ViolationKinds.Convergence"/>: every replica's <see cref="IReplicaNode.Snapshot"/> must be equal.</item>
    /// <item><see cref="ViolationKinds.LostAcknowledgedWrite"/>: every key that received an acknowledged write (put, append,
    /// successful cas) must be present, and every key's converged value must be made of writes clients sent to that key:
    /// an optional put or cas value followed by append suffixes, each written to that key by an operation that did not
    /// definitely fail, none twice; a key no client wrote must be absent.</item>
    /// </list>
    /// This is what last-writer-wins can honestly promise: a concurrent write with a later version may overwrite an
    /// acknowledged one, so "reflected" cannot mean "the last acknowledged value" without versions the contract does not
    /// expose. To make the rule bite anyway, against a convergent strategy one write in five of the workload is a put to a
    /// fresh write-once key (<c>w1</c>, <c>w2</c>, ...): nothing may overwrite it, so losing it leaves its key absent.
    /// </summary>
    public static SimulationResult Run(IReplicationStrategy strategy, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(options);
        return Run(new SimCluster(strategy, options), options);
    }

    private static SimulationResult Run(SimCluster cluster, SimulationOptions options)
    {
        var workload = new Workload(cluster);
        var nemesis = new Nemesis(cluster);
        TimeSpan? recovery = null;
        workload.Start();
        nemesis.Start();
        cluster.Byzantine.Start();
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
            var healedAt = cluster.NowMicros;
            var within = options.RecoveryBound ?? options.LivenessTimeout;
            var live = cluster.RunUntil(_ => workload.OkSinceMark >= options.LivenessOperations, within);
            if (live)
            {
                recovery = TimeSpan.FromMicroseconds(cluster.NowMicros - healedAt);
            }
            else if (!cluster.Stopped)
            {
                var leader = cluster.IsReplication ? "" : $" (leader: {cluster.Leader()})";
                var bound = options.RecoveryBound is null ? "" : " (the strategy's declared recovery bound)";
                cluster.Violate(ViolationKinds.Liveness,
                    $"with every fault healed only {workload.OkSinceMark} of {options.LivenessOperations} operations completed within {within.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)}s{bound}{leader}");
            }
        }

        workload.Stop();
        cluster.RunUntil(_ => workload.InFlight == 0, options.ClientTimeout + options.ClientTimeout);
        if (nemesis.RestoringMembership && cluster.Violations.Count == 0)
        {
            // The final checks count every node: first the membership must be whole (the nemesis gives up, reporting a
            // liveness violation, at its own deadline).
            cluster.RunUntil(_ => !nemesis.RestoringMembership, options.LivenessTimeout);
        }

        workload.Finish();
        if (!cluster.Stopped && cluster.Violations.Count == 0)
        {
            if (!cluster.IsReplication)
            {
                CheckAcknowledged(cluster, workload, options);
            }
            else if (cluster.Guarantee == ReplicationGuarantee.Convergent && CheckConvergence(cluster, options) is { } converged)
            {
                CheckWritesReflected(cluster, workload, converged);
            }
        }

        var history = workload.BuildHistory().Build();
        return new SimulationResult(options.Seed, [.. cluster.Violations], history, new OperationCounts(workload.Ok, workload.Fail, workload.Info),
            cluster.Now, cluster.TraceHash, cluster.EventCount, cluster.TotalCounters, recovery, cluster.Measurements);
    }

    /// <summary>
    /// Gives the replicas a quiet period (checking every 50 ms, up to the liveness timeout) until their contents are equal;
    /// returns the converged contents, or null after recording a violation.
    /// </summary>
    internal static SortedDictionary<string, string[]>? CheckConvergence(SimCluster cluster, SimulationOptions options)
    {
        var nodes = cluster.AllNodes;
        var start = cluster.NowMicros;
        var deadline = start + (long)options.LivenessTimeout.TotalMicroseconds;
        var contents = new SortedDictionary<string, string[]>?[nodes.Count];
        while (true)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                var replica = nodes[i].Replica;
                try
                {
                    contents[i] = replica?.Contents() is { } held ? ReplicaTexts.Of(held) : null;
                }
                catch (Exception ex)
                {
                    cluster.NodeThrew(nodes[i], "Contents", ex);
                    return null;
                }
            }

            var difference = Difference(nodes, contents);
            if (difference is null)
            {
                return contents[0];
            }

            if (cluster.Stopped || cluster.NowMicros >= deadline)
            {
                var quiet = TimeSpan.FromMicroseconds(cluster.NowMicros - start).TotalSeconds;
                cluster.Violate(ViolationKinds.Convergence,
                    string.Create(CultureInfo.InvariantCulture, $"replicas still differ after {quiet:F1}s of quiet with every fault healed: {difference}"));
                return null;
            }

            cluster.RunFor(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The first difference between the replicas' contents (down replicas included), or null when all are equal.</summary>
    private static string? Difference(IReadOnlyList<SimNode> nodes, SortedDictionary<string, string[]>?[] contents)
    {
        for (var i = 0; i < contents.Length; i++)
        {
            if (contents[i] is null)
            {
                return $"{nodes[i].Id} is down";
            }
        }

        var first = contents[0]!;
        for (var i = 1; i < contents.Length; i++)
        {
            var other = contents[i]!;
            foreach (var key in first.Keys.Union(other.Keys).Order(StringComparer.Ordinal))
            {
                first.TryGetValue(key, out var a);
                other.TryGetValue(key, out var b);
                if (!ReplicaTexts.Same(a, b))
                {
                    return $"{key} is {ReplicaTexts.Show(a)} on {nodes[0].Id} but {ReplicaTexts.Show(b)} on {nodes[i].Id} ({first.Count} and {other.Count} keys)";
                }
            }
        }

        return null;
    }

    /// <summary>The lost-acknowledged-write rule for convergent strategies (see <see cref="Run(IReplicationStrategy, SimulationOptions)"/>).</summary>
    private static void CheckWritesReflected(SimCluster cluster, Workload workload, SortedDictionary<string, string[]> converged)
    {
        foreach (var (key, what) in workload.AcknowledgedWrites)
        {
            if (!converged.ContainsKey(key))
            {
                cluster.Violate(ViolationKinds.LostAcknowledgedWrite, $"{what}, but {key} is absent from every replica once they converged");
                return;
            }
        }

        foreach (var (key, values) in converged)
        {
            workload.Written.TryGetValue(key, out var written);
            foreach (var value in values)
            {
                if (Unwritten(value, written) is { } why)
                {
                    cluster.Violate(ViolationKinds.LostAcknowledgedWrite,
                        $"every replica converged on {key} = {ReplicaTexts.Show(values)}, and \"{value}\" is not made of writes clients sent to {key}: {why}");
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Why <paramref name="value"/> is not an optional put or cas value (<c>vN</c>) followed by append suffixes (<c>+N</c>),
    /// each in <paramref name="written"/> and none twice; null when it is.
    /// </summary>
    internal static string? Unwritten(string value, HashSet<string>? written)
    {
        if (written is null)
        {
            return "no client wrote to it";
        }

        if (value.Length == 0)
        {
            return "it is empty";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < value.Length;)
        {
            var j = i + 1;
            while (j < value.Length && char.IsAsciiDigit(value[j]))
            {
                j++;
            }

            if (value[i] is not ('v' or '+') || j == i + 1)
            {
                return $"no client wrote anything like \"{value[i..j]}\"";
            }

            var piece = value[i..j];
            if (value[i] == 'v' && i > 0)
            {
                return $"put value {piece} follows other writes";
            }

            if (!written.Contains(piece))
            {
                return $"{piece} was never written to it (or its write definitely failed)";
            }

            if (!seen.Add(piece))
            {
                return $"{piece} appears twice";
            }

            i = j;
        }

        return null;
    }

    private static void CheckAcknowledged(SimCluster cluster, Workload workload, SimulationOptions options)
    {
        if (workload.Acknowledged.Count == 0)
        {
            return;
        }

        var target = workload.Acknowledged.Max(a => a.Index);
        var nodes = cluster.AllNodes.Where(n => !n.Byzantine).ToArray();
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
