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
        return failures == 0 ? 0 : 1;
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
