using Akka.Actor;
using Akka.DistributedData.Serialization;
using BenchmarkDotNet.Attributes;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Maps;

namespace CrdtBench;

/// <summary>
/// OR-Set, 5 replicas of 2,000 own elements, one ring gossip round, 10% removes: merge all five divergent states; merge
/// two equal converged states held in distinct instances (ours decoded from bytes, so they share no memory; Akka's
/// merged in the other order); serialize the converged state.
/// </summary>
[MemoryDiagnoser]
public class OrSetBenchmarks : IDisposable
{
    private OrSet[] _ours = [];
    private OrSet _converged = OrSet.Empty;
    private OrSet _convergedCopy = OrSet.Empty;
    private AkkaOrSet[] _akka = [];
    private AkkaOrSet _akkaConverged = AkkaOrSet.Empty;
    private AkkaOrSet _akkaConvergedCopy = AkkaOrSet.Empty;
    private byte[][] _oursAsBytes = [];
    private ActorSystem? _system;
    private ReplicatedDataSerializer? _serializer;

    [GlobalSetup]
    public void Setup()
    {
        _ours = Scenarios.OrSets();
        _converged = _ours.Aggregate(OrSet.Empty, (a, b) => a.Merge(b));
        _oursAsBytes = [.. _ours.Select(CrdtType<OrSet, OrSet>.Encode)];
        _convergedCopy = CrdtType<OrSet, OrSet>.Decode<OrSet>(CrdtType<OrSet, OrSet>.Encode(_converged));
        _akka = Scenarios.AkkaOrSets();
        _akkaConverged = _akka.Aggregate(AkkaOrSet.Empty, (a, b) => a.Merge(b));
        _akkaConvergedCopy = _akka.Reverse().Aggregate(AkkaOrSet.Empty, (a, b) => a.Merge(b));
        _system = ActorSystem.Create("crdt-bench");
        _serializer = new ReplicatedDataSerializer((ExtendedActorSystem)_system);
    }

    [Benchmark]
    public object Ours_divergent_merge() => _ours.Aggregate(OrSet.Empty, (a, b) => a.Merge(b));

    [Benchmark]
    public object Akka_divergent_merge() => _akka.Aggregate(AkkaOrSet.Empty, (a, b) => a.Merge(b));

    /// <summary>The same merge as a replication strategy makes it, through <see cref="ICrdtType"/>: decoded, merged, encoded.</summary>
    [Benchmark]
    public object Ours_divergent_merge_as_bytes() => _oursAsBytes.Aggregate(Scenarios.OrSetBytes.Empty(), (a, b) => Scenarios.OrSetBytes.Merge(a, b));

    [Benchmark]
    public object Ours_converged_merge() => _converged.Merge(_convergedCopy);

    [Benchmark]
    public object Akka_converged_merge() => _akkaConverged.Merge(_akkaConvergedCopy);

    [Benchmark]
    public int Ours_serialize() => CrdtType<OrSet, OrSet>.Encode(_converged).Length;

    [Benchmark]
    public int Akka_serialize() => _serializer!.ToBinary(_akkaConverged).Length;

    [GlobalCleanup]
    public void Dispose()
    {
        _system?.Terminate().Wait();
        _system = null;
        GC.SuppressFinalize(this);
    }
}

/// <summary>PN-Counter over 100 replicas: merge the 100 single-replica states; merge two equal converged states.</summary>
[MemoryDiagnoser]
public class PnCounterBenchmarks
{
    private PnCounter[] _ours = [];
    private PnCounter _converged = PnCounter.Empty;
    private PnCounter _convergedCopy = PnCounter.Empty;
    private AkkaPnCounter[] _akka = [];
    private AkkaPnCounter _akkaConverged = AkkaPnCounter.Empty;
    private AkkaPnCounter _akkaConvergedCopy = AkkaPnCounter.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _ours = Scenarios.PnCounters();
        _converged = _ours.Aggregate(PnCounter.Empty, (a, b) => a.Merge(b));
        _convergedCopy = CrdtType<PnCounter, PnCounter>.Decode<PnCounter>(CrdtType<PnCounter, PnCounter>.Encode(_converged));
        _akka = Scenarios.AkkaPnCounters();
        _akkaConverged = _akka.Aggregate(AkkaPnCounter.Empty, (a, b) => a.Merge(b));
        _akkaConvergedCopy = _akka.Reverse().Aggregate(AkkaPnCounter.Empty, (a, b) => a.Merge(b));
    }

    [Benchmark]
    public object Ours_divergent_merge() => _ours.Aggregate(PnCounter.Empty, (a, b) => a.Merge(b));

    [Benchmark]
    public object Akka_divergent_merge() => _akka.Aggregate(AkkaPnCounter.Empty, (a, b) => a.Merge(b));

    [Benchmark]
    public object Ours_converged_merge() => _converged.Merge(_convergedCopy);

    [Benchmark]
    public object Akka_converged_merge() => _akkaConverged.Merge(_akkaConvergedCopy);
}

/// <summary>LWW-Map of 10,000 keys over 3 replicas, 10% written by all three: merge the three; merge two equal converged states.</summary>
[MemoryDiagnoser]
public class LwwMapBenchmarks
{
    private LwwMap[] _ours = [];
    private LwwMap _converged = LwwMap.Empty;
    private LwwMap _convergedCopy = LwwMap.Empty;
    private AkkaLwwMap[] _akka = [];
    private AkkaLwwMap _akkaConverged = AkkaLwwMap.Empty;
    private AkkaLwwMap _akkaConvergedCopy = AkkaLwwMap.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _ours = Scenarios.LwwMaps();
        _converged = _ours.Aggregate(LwwMap.Empty, (a, b) => a.Merge(b));
        _convergedCopy = CrdtType<LwwMap, LwwMap>.Decode<LwwMap>(CrdtType<LwwMap, LwwMap>.Encode(_converged));
        _akka = Scenarios.AkkaLwwMaps();
        _akkaConverged = _akka.Aggregate(AkkaLwwMap.Empty, (a, b) => a.Merge(b));
        _akkaConvergedCopy = _akka.Reverse().Aggregate(AkkaLwwMap.Empty, (a, b) => a.Merge(b));
    }

    [Benchmark]
    public object Ours_divergent_merge() => _ours.Aggregate(LwwMap.Empty, (a, b) => a.Merge(b));

    [Benchmark]
    public object Akka_divergent_merge() => _akka.Aggregate(AkkaLwwMap.Empty, (a, b) => a.Merge(b));

    [Benchmark]
    public object Ours_converged_merge() => _converged.Merge(_convergedCopy);

    [Benchmark]
    public object Akka_converged_merge() => _akkaConverged.Merge(_akkaConvergedCopy);
}
