using System.IO.Compression;
using Akka.Actor;
using Akka.DistributedData.Serialization;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Maps;

namespace CrdtBench;

/// <summary>Checks that both sides of every scenario converge to the same value, and prints the serialized sizes.</summary>
internal static class Check
{
    public static int Run()
    {
        var failures = 0;
        var ours = Scenarios.OrSets().Aggregate(OrSet.Empty, (a, b) => a.Merge(b));
        var akka = Scenarios.AkkaOrSets().Aggregate(AkkaOrSet.Empty, (a, b) => a.Merge(b));
        failures += Same("or-set elements", ours.Store.Elements.Order(StringComparer.Ordinal), akka.Elements.Order(StringComparer.Ordinal));

        var counter = Scenarios.PnCounters().Aggregate(PnCounter.Empty, (a, b) => a.Merge(b));
        var akkaCounter = Scenarios.AkkaPnCounters().Aggregate(AkkaPnCounter.Empty, (a, b) => a.Merge(b));
        failures += Same("pn-counter value", [counter.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)], [akkaCounter.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var map = Scenarios.LwwMaps().Aggregate(LwwMap.Empty, (a, b) => a.Merge(b));
        var akkaMap = Scenarios.AkkaLwwMaps().Aggregate(AkkaLwwMap.Empty, (a, b) => a.Merge(b));
        // Keys written by one replica agree in value; on the keys all three wrote at one time the tie-breaks differ by
        // design (here the greater replica id wins, in Akka the lower address), so only their keys are compared.
        var contested = Enumerable.Range(0, Scenarios.MapKeys / 10).Select(Scenarios.Key).ToHashSet(StringComparer.Ordinal);
        failures += Same("lww-map keys", map.Values.Select(kv => kv.Key), akkaMap.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        failures += Same(
            "lww-map values written by one replica",
            map.Values.Where(kv => !contested.Contains(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}"),
            akkaMap.Where(kv => !contested.Contains(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}").Order(StringComparer.Ordinal));

        using var system = ActorSystem.Create("crdt-bench-check");
        var serializer = new ReplicatedDataSerializer((ExtendedActorSystem)system);
        var akkaBytes = serializer.ToBinary(akka);
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(akkaBytes);
        }

        var gzipMagic = akkaBytes is [0x1F, 0x8B, ..];
        Console.WriteLine($"or-set of {ours.Store.Count} elements: ours {CrdtType<OrSet, OrSet>.Encode(ours).Length} bytes; Akka {akkaBytes.Length} bytes ({(gzipMagic ? "gzip already" : "not gzip")}), {gzipped.Length} gzipped (again)");
        system.Terminate().Wait();

        // Bytes allocated by one merge (the thread's count, after a warm-up): a count, not a time.
        var sets = new OrSetBenchmarks();
        sets.Setup();
        Allocated("or-set divergent merge", sets.Ours_divergent_merge, sets.Akka_divergent_merge);
        Allocated("or-set converged merge", sets.Ours_converged_merge, sets.Akka_converged_merge);
        Console.WriteLine($"  or-set divergent merge through bytes: ours {Count(sets.Ours_divergent_merge_as_bytes):N0}");
        sets.Dispose();
        var counters = new PnCounterBenchmarks();
        counters.Setup();
        Allocated("pn-counter divergent merge", counters.Ours_divergent_merge, counters.Akka_divergent_merge);
        Allocated("pn-counter converged merge", counters.Ours_converged_merge, counters.Akka_converged_merge);
        var maps = new LwwMapBenchmarks();
        maps.Setup();
        Allocated("lww-map divergent merge", maps.Ours_divergent_merge, maps.Akka_divergent_merge);
        Allocated("lww-map converged merge", maps.Ours_converged_merge, maps.Akka_converged_merge);
        return failures == 0 ? 0 : 1;
    }

    private static void Allocated(string what, Func<object> ours, Func<object> akka) =>
        Console.WriteLine($"{what}, bytes allocated: ours {Count(ours):N0}, Akka {Count(akka):N0}");

    private static long Count(Func<object> merge)
    {
        GC.KeepAlive(merge());
        var before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(merge());
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static int Same(string what, IEnumerable<string> ours, IEnumerable<string> akka)
    {
        var a = ours.ToList();
        var b = akka.ToList();
        var same = a.SequenceEqual(b);
        Console.WriteLine($"{what}: {(same ? "agree" : "DIFFER")} ({a.Count} vs {b.Count})");
        return same ? 0 : 1;
    }
}
