using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>The Maelstrom-style workloads of <see cref="CrdtChecks"/>.</summary>
public enum CrdtWorkload
{
    /// <summary>
    /// Maelstrom's g-counter: clients put <c>inc N</c> (N from 1 to 5) to the keys; once healed and converged, each key
    /// must read a number between the sum of its acknowledged increments and that sum plus the increments whose outcome
    /// is unknown (timed out).
    /// </summary>
    Counter,

    /// <summary>
    /// Maelstrom's g-set: clients put <c>add eN</c> (each element once) to the keys; once healed and converged, each key
    /// must read a set (<c>[a, b]</c>) that holds every acknowledged add and nothing no client tried to add (a refused add
    /// counts as tried: it definitely did not happen, so it must be absent).
    /// </summary>
    Set,
}

/// <summary>
/// Checks for a replication strategy that holds CRDT states (<c>replication/crdt</c> with a counter or set type): the
/// simulator's cluster, network, disks and nemesis as in <see cref="Simulator.Run(IReplicationStrategy, SimulationOptions)"/>,
/// with the clients sending CRDT operations as key-value puts instead of the key-value workload, then every fault
/// healed, the replicas given their quiet period to converge (<see cref="ViolationKinds.Convergence"/> otherwise), and
/// the converged value of each key checked against the acknowledged operations (<see cref="ViolationKinds.LostAcknowledgedWrite"/>
/// otherwise). A pure function of strategy, options and seed.
/// </summary>
public static class CrdtChecks
{
    /// <summary>Runs the workload against <paramref name="strategy"/> for the seed of <paramref name="options"/>.</summary>
    public static SimulationResult Run(IReplicationStrategy strategy, SimulationOptions options, CrdtWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(options);
        var cluster = new SimCluster(strategy, options);
        var clients = new Clients(cluster, options, workload);
        var nemesis = new Nemesis(cluster);
        clients.Start();
        nemesis.Start();
        cluster.RunFor(options.SafetyDuration);
        if (!cluster.Stopped)
        {
            nemesis.HealAll();
            clients.Stop();
            cluster.RunFor(options.ClientTimeout + options.ClientTimeout);
            clients.TimeOutAll();
            if (cluster.Violations.Count == 0 && Simulator.CheckConvergence(cluster, options) is { } converged)
            {
                clients.Check(converged);
            }
        }

        return new SimulationResult(options.Seed, [.. cluster.Violations], new Kernel.Sdk.Testing.Linearizability.HistoryBuilder().Build(), clients.Counts,
            cluster.Now, cluster.TraceHash, cluster.EventCount, cluster.TotalCounters, null);
    }

    private sealed class Clients(SimCluster cluster, SimulationOptions options, CrdtWorkload workload)
    {
        private readonly Dictionary<long, (string Key, long Amount, string Element)> _pending = [];
        private readonly Dictionary<string, long> _acked = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _unknownUp = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<string>> _ackedAdds = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<string>> _triedAdds = new(StringComparer.Ordinal);
        private readonly HashSet<long> _unknown = [];
        private long _nextRequest;
        private int _ok;
        private int _fail;
        private bool _stopped;

        public OperationCounts Counts => new(_ok, _fail, _unknown.Count);

        public void Start()
        {
            cluster.Responded = OnResponse;
            for (var c = 0; c < options.Clients; c++)
            {
                cluster.After(cluster.Random.NextInt64(0, Micros(options.ThinkTime) + 1), Next);
            }
        }

        public void Stop() => _stopped = true;

        /// <summary>What is still unanswered stays unknown.</summary>
        public void TimeOutAll()
        {
            foreach (var id in _pending.Keys.ToList())
            {
                TimeOut(id);
            }
        }

        public void Check(SortedDictionary<string, string[]> converged)
        {
            var keys = _acked.Keys.Concat(_unknownUp.Keys).Concat(_triedAdds.Keys).Concat(converged.Keys).Distinct().Order(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                converged.TryGetValue(key, out var values);
                var read = values is [var one] ? one : values is null ? null : string.Join(" | ", values);
                var why = workload == CrdtWorkload.Counter ? CheckCounter(key, read) : CheckSet(key, read);
                if (why is not null)
                {
                    cluster.Violate(ViolationKinds.LostAcknowledgedWrite, why);
                    return;
                }
            }
        }

        private string? CheckCounter(string key, string? read)
        {
            var low = _acked.GetValueOrDefault(key);
            var high = low + _unknownUp.GetValueOrDefault(key);
            long value = 0;
            if (read is not null && !long.TryParse(read, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
            {
                return $"counter {key} converged on \"{read}\", not a number";
            }

            return value < low || value > high
                ? string.Create(CultureInfo.InvariantCulture, $"counter {key} converged on {value}; the acknowledged increments sum to {low}, and with those of unknown outcome at most {high}")
                : null;
        }

        private string? CheckSet(string key, string? read)
        {
            var present = read is null ? [] : ParseSet(read);
            if (present is null)
            {
                return $"set {key} converged on \"{read}\", not a set";
            }

            var acked = _ackedAdds.GetValueOrDefault(key) ?? [];
            var tried = _triedAdds.GetValueOrDefault(key) ?? [];
            if (acked.Where(e => !present.Contains(e)).Order(StringComparer.Ordinal).FirstOrDefault() is { } lost)
            {
                return $"set {key} converged on {read ?? "absent"} without {lost}, whose add was acknowledged ({acked.Count} acknowledged adds, {present.Count} elements)";
            }

            return present.Where(e => !tried.Contains(e) || _definitelyFailed.Contains((key, e))).Order(StringComparer.Ordinal).FirstOrDefault() is { } phantom
                ? $"set {key} converged on {read} with {phantom}, which no client added (or whose add definitely failed)"
                : null;
        }

        private readonly HashSet<(string Key, string Element)> _definitelyFailed = [];

        private static HashSet<string>? ParseSet(string read)
        {
            if (read.Length < 2 || read[0] != '[' || read[^1] != ']')
            {
                return null;
            }

            var inner = read[1..^1];
            return inner.Length == 0 ? [] : [.. inner.Split(", ", StringSplitOptions.None)];
        }

        private void Next()
        {
            if (_stopped || cluster.Stopped)
            {
                return;
            }

            var nodes = cluster.Nodes;
            var node = nodes[cluster.Random.Next(nodes.Count)];
            var key = (workload == CrdtWorkload.Counter ? "c" : "s") + cluster.Random.Next(Math.Max(1, options.Keys)).ToString(CultureInfo.InvariantCulture);
            var id = ++_nextRequest;
            long amount = 0;
            var element = string.Empty;
            string operation;
            if (workload == CrdtWorkload.Counter)
            {
                amount = cluster.Random.Next(1, 6);
                operation = "inc " + amount.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                element = "e" + id.ToString(CultureInfo.InvariantCulture);
                operation = "add " + element;
                Add(_triedAdds, key, element);
            }

            _pending[id] = (key, amount, element);
            var result = cluster.Submit(node, id, new KvCommand(KvOp.Put, key, operation));
            if (result is not { Accepted: true })
            {
                // Never got there, or refused: definitely did not happen.
                if (_pending.Remove(id))
                {
                    _fail++;
                    _definitelyFailed.Add((key, element));
                }

                cluster.After(Micros(options.ThinkTime), Next);
                return;
            }

            cluster.After(Micros(options.ClientTimeout), () =>
            {
                if (TimeOut(id))
                {
                    cluster.After(Micros(options.ThinkTime), Next);
                }
            });
        }

        private bool TimeOut(long id)
        {
            if (!_pending.Remove(id, out var op))
            {
                return false;
            }

            _unknown.Add(id);
            _unknownUp[op.Key] = _unknownUp.GetValueOrDefault(op.Key) + op.Amount;
            return true;
        }

        private void OnResponse(SimNode node, long id, KvResult result)
        {
            if (!_pending.Remove(id, out var op))
            {
                return; // answered after its client gave up: its outcome stays unknown (within the bounds either way)
            }

            if (result.Ok)
            {
                _ok++;
                _acked[op.Key] = _acked.GetValueOrDefault(op.Key) + op.Amount;
                if (workload == CrdtWorkload.Set)
                {
                    Add(_ackedAdds, op.Key, op.Element);
                }
            }
            else
            {
                _fail++;
                _definitelyFailed.Add((op.Key, op.Element));
            }

            cluster.After(Micros(options.ThinkTime), Next);
        }

        private static void Add(Dictionary<string, HashSet<string>> sets, string key, string element)
        {
            if (!sets.TryGetValue(key, out var set))
            {
                sets[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(element);
        }

        private static long Micros(TimeSpan t) => (long)t.TotalMicroseconds;
    }
}
