using System.Diagnostics;
using System.Globalization;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;

// Simulated seconds per wall-clock second for a 5-node cluster under every fault: the correct toy Raft, or with
// --raft the UltimateConsensus Raft.
// Usage: SimulatorBench [--raft] [seeds=40] [safety-seconds=30]
//        SimulatorBench flaws [seeds=100]   (how fast the verifier catches each broken toy)
//        SimulatorBench hash [seed=1]       (trace hash of one seed: compare across processes and machines)
var useRaft = args.Contains("--raft");
args = [.. args.Where(a => a != "--raft")];
if (args.Length > 0 && args[0] == "flaws")
{
    var n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
    foreach (var flaw in new[] { ToyFlaw.EarlyCommit, ToyFlaw.LocalReads, ToyFlaw.NoSync })
    {
        foreach (var faults in new[] { SimFaults.All, SimFaults.Partition, SimFaults.Crash })
        {
            var s = Verifier.Run(new ToyRaftStrategy(flaw), new VerifyOptions { Seeds = n, Simulation = new SimulationOptions { Faults = faults } });
            var bad = s.Violations.Select(v => v.Seed).Distinct().Count();
            var kinds = string.Join(", ", s.Violations.GroupBy(v => v.Kind).Select(g => $"{g.Key} {g.Count()}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{flaw,-12} faults {SimFaultNames.Format(faults),-10} first violating seed {s.FirstViolatingSeed?.ToString(CultureInfo.InvariantCulture) ?? "-",4}; {bad}/{n} seeds violate ({kinds}); {s.WallTime.TotalSeconds:F1} s"));
        }
    }

    return 0;
}

if (args.Length > 0 && args[0] == "hash")
{
    var seed = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1;
    Console.WriteLine(Simulator.Run(new ToyRaftStrategy(), new SimulationOptions { Seed = seed }).TraceHash);
    return 0;
}

var seeds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
var safety = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 30;
Kernel.Sdk.Consensus.IConsensusStrategy strategy = useRaft ? new UltimateConsensus.RaftStrategy() : new ToyRaftStrategy();
Console.WriteLine($"strategy: {(useRaft ? "UltimateConsensus raft" : "toy raft")}");
var options = new SimulationOptions
{
    Nodes = 5,
    Faults = SimFaults.All,
    SafetyDuration = TimeSpan.FromSeconds(safety),
    RecordAppliedEntries = false,
};

// Warm up the JIT (tiered compilation needs a few seconds of hot code before it settles).
var warm = Stopwatch.StartNew();
for (var s = 1_000_000; warm.Elapsed < TimeSpan.FromSeconds(3); s++)
{
    Simulator.Run(strategy, options with { Seed = s, SafetyDuration = TimeSpan.FromSeconds(5) });
}

var simulated = TimeSpan.Zero;
long events = 0;
long messages = 0;
var ops = default(OperationCounts);
var violations = 0;
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
var pauseBefore = GC.GetTotalPauseDuration();
var watch = Stopwatch.StartNew();
for (var seed = 1; seed <= seeds; seed++)
{
    var r = Simulator.Run(strategy, options with { Seed = seed });
    simulated += r.SimulatedTime;
    events += r.Events;
    messages += r.Counters.MessagesSent;
    ops += r.Operations;
    violations += r.Violations.Count;
}

watch.Stop();
var wall = watch.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"simulation only: {seeds} seeds x {safety:F0}s safety + liveness, 5 nodes, all faults"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  simulated {simulated.TotalSeconds:F0} s in {wall:F2} s wall = {simulated.TotalSeconds / wall:F0} sim-s per wall-s; {events / wall / 1e6:F2} M events/s; {messages / wall / 1e6:F2} M messages/s"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  operations {ops.Total} ({ops.Ok} ok, {ops.Fail} fail, {ops.Info} info); invariant violations {violations}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / simulated.TotalSeconds / 1e6:F2} MB per simulated second; GCs gen0 {GC.CollectionCount(0) - gcBefore.Item1}, gen1 {GC.CollectionCount(1) - gcBefore.Item2}, gen2 {GC.CollectionCount(2) - gcBefore.Item3}; GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds:F2} s"));

// The same with the linearizability check of every history, as `kernel verify` does it.
var summary = Verifier.Run(strategy, new VerifyOptions { Seeds = seeds, Simulation = options });
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"verify (simulation + checks): {summary.SimulatedTime.TotalSeconds:F0} sim-s in {summary.WallTime.TotalSeconds:F2} s wall = {summary.SimulatedTime.TotalSeconds / summary.WallTime.TotalSeconds:F0} sim-s per wall-s; violations {summary.Violations.Count}, unchecked {summary.UncheckedSeeds}"));
return summary.Clean && violations == 0 ? 0 : 1;
