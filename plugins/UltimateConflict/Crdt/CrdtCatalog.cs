using Kernel.Sdk.Strategies;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Maps;
using UltimateConflict.Crdt.Options;
using UltimateConflict.Crdt.Registers;
using UltimateConflict.Crdt.Sets;
using UltimateConflict.Crdt.Shared;

namespace UltimateConflict.Crdt;

/// <summary>The plugin's CRDT types (<c>crdt/...</c>), registered in one place.</summary>
internal static class CrdtCatalog
{
    /// <summary>Every strategy of this folder, in the order of the README's table.</summary>
    public static IReadOnlyList<Kernel.Sdk.Crdt.ICrdtStrategy> Strategies { get; } =
    [
        new CrdtStrategy<CounterOptions>("g-counter", "Grow-only counter: per-replica counts merged by maximum, read as their sum; prunable", CounterOptions.Read, o => new GCounterType(o)),
        new CrdtStrategy<CounterOptions>("pn-counter", "Counter up and down: two grow-only counters, read as their difference; prunable", CounterOptions.Read, o => new PnCounterType(o)),
        new CrdtStrategy<SetOptions>("g-set", "Grow-only set: union", SetOptions.Read, o => new GSetType(o)),
        new CrdtStrategy<SetOptions>("two-phase-set", "Two-phase set: adds and permanent removes (a removed element never returns)", SetOptions.Read, o => new TwoPhaseSetType(o)),
        new CrdtStrategy<SetOptions>("or-set", "Observed-remove set without tombstones (ORSWOT): add wins over a concurrent remove", SetOptions.Read, o => new CausalType<OrSetStore>(new CausalSettings("or-set", o.MaxElementBytes, "maxElementBytes"))),
        new CrdtStrategy<RegisterOptions>("lww-register", "Last-writer-wins register on a hybrid logical clock, replica id as the tie-break", RegisterOptions.Read, o => new LwwRegisterType(o)),
        new CrdtStrategy<RegisterOptions>("mv-register", "Multi-value register: concurrent writes all kept until a later write overwrites them", RegisterOptions.Read, o => new CausalType<MvStore>(new CausalSettings("mv-register", o.MaxValueBytes, "maxValueBytes"))),
        new CrdtStrategy<FlagOptions>("flag", "Flag (enable-wins or disable-wins) whose last causal enable or disable decides", FlagOptions.Read, o => new CausalType<FlagStore>(new CausalSettings("flag", 0, "none", DisableWins: o.Wins == "disable"))),
        new CrdtStrategy<LwwMapOptions>("lww-map", "Map of last-writer-wins registers (hybrid logical clock), removes as tombstones", LwwMapOptions.Read, o => new LwwMapType(o)),
        new CrdtStrategy<OrMapOptions>("or-map", "Observed-remove map of nested CRDTs: an update wins over a concurrent remove of its field", OrMapOptions.Read, o => new CausalType<MapStore>(new CausalSettings("or-map", o.MaxKeyBytes, "maxKeyBytes", o.MaxDepth))),
    ];

    /// <summary>Registers every strategy of this folder.</summary>
    public static void Register(IStrategyRegistrar registrar)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        foreach (var strategy in Strategies)
        {
            registrar.Add(strategy);
        }
    }
}
