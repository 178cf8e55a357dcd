using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Kernel.Sdk.Cluster;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Maps;
using UltimateConflict.Crdt.Sets;

namespace CrdtBench;

/// <summary>
/// The states of issue 12's scenarios, built the same way for the plugin's types and for Akka.DistributedData's, with no
/// clock and no randomness: the same replicas make the same updates in the same order on both sides.
/// </summary>
internal static class Scenarios
{
    public const int SetReplicas = 5;
    public const int ElementsPerReplica = 2_000;
    public const int CounterReplicas = 100;
    public const int MapReplicas = 3;
    public const int MapKeys = 10_000;

    private static readonly CausalType<OrSetStore> OrSetType = new(new CausalSettings("or-set", 1024, "maxElementBytes"));

    /// <summary>The or-set's byte-level face, as the kernel hands it to a replication strategy.</summary>
    public static Kernel.Sdk.Crdt.ICrdtType OrSetBytes => OrSetType;

    public static NodeId Node(int i) => new(i + 1);

    public static UniqueAddress Address(int i) => new(new Address("akka.tcp", "bench", "10.0.0." + (i + 1).ToString(CultureInfo.InvariantCulture), 2552), i + 1);

    /// <summary>Replica r's element i: "r-i", added by r in order (so a replica's elements follow one another).</summary>
    public static string Element(int replica, int i) => string.Create(CultureInfo.InvariantCulture, $"{replica}-{i}");

    /// <summary>
    /// OR-Set: each of 5 replicas adds its 2,000 elements; one ring gossip round (each replica merges its predecessor's
    /// state); then each removes every tenth of its own elements. The 5 states are divergent.
    /// </summary>
    public static OrSet[] OrSets()
    {
        var states = new OrSet[SetReplicas];
        for (var r = 0; r < SetReplicas; r++)
        {
            var state = OrSet.Empty;
            for (var i = 0; i < ElementsPerReplica; i++)
            {
                state = state.MergeDelta(OrSetType.Delta(state, Node(r), "add " + Element(r, i)));
            }

            states[r] = state;
        }

        Ring(states, (a, b) => a.Merge(b));
        for (var r = 0; r < SetReplicas; r++)
        {
            for (var i = 0; i < ElementsPerReplica; i += 10)
            {
                states[r] = states[r].MergeDelta(OrSetType.Delta(states[r], Node(r), "remove " + Element(r, i)));
            }
        }

        return states;
    }

    /// <summary>The same history with Akka's ORSet.</summary>
    public static AkkaOrSet[] AkkaOrSets()
    {
        var states = new AkkaOrSet[SetReplicas];
        for (var r = 0; r < SetReplicas; r++)
        {
            var state = AkkaOrSet.Empty;
            for (var i = 0; i < ElementsPerReplica; i++)
            {
                state = state.Add(Address(r), Element(r, i));
            }

            states[r] = state;
        }

        Ring(states, (a, b) => a.Merge(b));
        for (var r = 0; r < SetReplicas; r++)
        {
            for (var i = 0; i < ElementsPerReplica; i += 10)
            {
                states[r] = states[r].Remove(Address(r), Element(r, i));
            }
        }

        return states;
    }

    /// <summary>PN-Counter: each of 100 replicas increments by its index plus one and decrements by one, alone.</summary>
    public static PnCounter[] PnCounters() =>
        [.. Enumerable.Range(0, CounterReplicas).Select(r => PnCounter.Empty.Merge(PnCounter.Empty.AddDelta(Node(r), r + 1)).Merge(PnCounter.Empty.AddDelta(Node(r), -1)))];

    /// <summary>The same with Akka's PNCounter.</summary>
    public static AkkaPnCounter[] AkkaPnCounters() =>
        [.. Enumerable.Range(0, CounterReplicas).Select(r => AkkaPnCounter.Empty.Increment(Address(r), r + 1).Decrement(Address(r), 1))];

    /// <summary>
    /// LWW-Map: 10,000 keys; the first 10% written by all three replicas (at one time, so the replica id breaks the tie),
    /// the rest each by one replica (key k by replica k mod 3).
    /// </summary>
    public static LwwMap[] LwwMaps()
    {
        var states = Enumerable.Repeat(LwwMap.Empty, MapReplicas).ToArray();
        for (var k = 0; k < MapKeys; k++)
        {
            for (var r = 0; r < MapReplicas; r++)
            {
                if (k < MapKeys / 10 || k % MapReplicas == r)
                {
                    states[r] = states[r].MergeDelta(states[r].WriteDelta(Node(r), k, Key(k), Value(r, k)));
                }
            }
        }

        return states;
    }

    /// <summary>The same with Akka's LWWDictionary (a counting clock instead of the wall clock, as deterministic as ours).</summary>
    public static AkkaLwwMap[] AkkaLwwMaps()
    {
        var states = Enumerable.Repeat(AkkaLwwMap.Empty, MapReplicas).ToArray();
        for (var k = 0; k < MapKeys; k++)
        {
            for (var r = 0; r < MapReplicas; r++)
            {
                if (k < MapKeys / 10 || k % MapReplicas == r)
                {
                    var time = (long)k;
                    states[r] = states[r].SetItem(Address(r), Key(k), Value(r, k), (_, _) => time);
                }
            }
        }

        return states;
    }

    public static string Key(int k) => string.Create(CultureInfo.InvariantCulture, $"key-{k}");

    private static string Value(int replica, int k) => string.Create(CultureInfo.InvariantCulture, $"value-{k}-from-{replica}");

    private static void Ring<T>(T[] states, Func<T, T, T> merge)
    {
        var before = (T[])states.Clone();
        for (var r = 0; r < states.Length; r++)
        {
            states[r] = merge(before[r], before[(r + states.Length - 1) % states.Length]);
        }
    }
}
