using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

namespace Kernel.Sdk.Testing.Tests.Simulation;

public sealed class DeterminismTests
{
    private static SimulationOptions Short(long seed, TextWriter? trace = null) => new()
    {
        Seed = seed,
        SafetyDuration = TimeSpan.FromSeconds(3),
        Trace = trace,
    };

    [Fact]
    public void Same_seed_gives_the_same_trace_hash_and_history()
    {
        var a = Simulator.Run(new ToyRaftStrategy(), Short(42));
        var b = Simulator.Run(new ToyRaftStrategy(), Short(42));
        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.Equal(a.Events, b.Events);
        Assert.Equal(a.Operations, b.Operations);
        Assert.Equal(a.Counters, b.Counters);
        Assert.True(a.Operations.Ok > 50);
    }

    [Fact]
    public void Different_seeds_give_different_traces()
    {
        var hashes = Enumerable.Range(1, 5).Select(s => Simulator.Run(new ToyRaftStrategy(), Short(s)).TraceHash).ToHashSet();
        Assert.Equal(5, hashes.Count);
    }

    [Fact]
    public void Text_trace_does_not_change_the_hash_and_replays_line_for_line()
    {
        var w1 = new StringWriter();
        var w2 = new StringWriter();
        var a = Simulator.Run(new ToyRaftStrategy(), Short(7, w1));
        var b = Simulator.Run(new ToyRaftStrategy(), Short(7, w2));
        var c = Simulator.Run(new ToyRaftStrategy(), Short(7));
        Assert.Equal(a.TraceHash, c.TraceHash);
        Assert.Equal(w1.ToString(), w2.ToString());
        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.Contains(" deliver from ", w1.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Random_sequence_is_pinned_so_seeds_replay_on_every_runtime()
    {
        // xoshiro256** seeded by SplitMix64: these values must never change, or recorded failing seeds stop reproducing.
        var r = new SimRandom(1);
        var first = new[] { r.NextUInt64(), r.NextUInt64(), r.NextUInt64() };
        Assert.Equal(PinnedSeed1, first);
        var d = new DeterministicRandom(new SimRandom(5));
        var e = new DeterministicRandom(new SimRandom(5));
        Assert.Equal(Enumerable.Range(0, 20).Select(_ => d.Next(10, 20)), Enumerable.Range(0, 20).Select(_ => e.Next(10, 20)));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => d.Next(10, 20)), v => Assert.InRange(v, 10, 19));
    }

    private static readonly ulong[] PinnedSeed1 = [12966619160104079557UL, 9600361134598540522UL, 10590380919521690900UL];
}
