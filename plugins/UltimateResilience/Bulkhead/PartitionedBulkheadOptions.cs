using System.Globalization;
using Kernel.Sdk.Strategies;
using Polly;

namespace UltimateResilience.Bulkhead;

/// <summary>
/// <c>resilience/bulkhead-partitioned</c>: a total <see cref="Limit"/> shared by named partitions (Netflix concurrency-limits'
/// partitioned limiter, Polly #507). A call belongs to the partition named by the context property <see cref="PartitionKey"/>
/// (<c>resilience.partition</c>; absent or unknown: <see cref="DefaultPartition"/>). While fewer than <see cref="Limit"/> calls
/// run, any partition may borrow the idle capacity; once the limit is reached, a partition is held to its share
/// (<c>ceil(limit * share)</c>) and a call of a partition at or over its share is rejected, so every partition keeps its share.
/// Options <c>limit</c> (1..100000, default 100), <c>partitions</c> (an array of <c>NAME:SHARE</c>, shares in 0..1 adding up to
/// at most 1; default <c>["default:1"]</c>), <c>defaultPartition</c> (default: the first partition).
/// </summary>
public sealed class PartitionedBulkheadOptions : ResilienceStrategyOptions
{
    /// <summary>The context property naming a call's partition.</summary>
    public static ResiliencePropertyKey<string> PartitionKey { get; } = new("resilience.partition");

    /// <summary>Calls running at once across partitions, beyond which partitions are held to their share. Default 100.</summary>
    public int Limit { get; set; } = 100;

    /// <summary>Each partition's share of <see cref="Limit"/>. Default one partition, <c>default</c>, with all of it.</summary>
    public IReadOnlyList<(string Name, double Share)> Partitions { get; set; } = [("default", 1.0)];

    /// <summary>The partition of a call that names none, or one that does not exist. Default: the first.</summary>
    public string? DefaultPartition { get; set; }

    internal static PartitionedBulkheadOptions Read(OptionReader reader)
    {
        var options = new PartitionedBulkheadOptions { Limit = reader.Int("limit", 100, 1, 100_000) };
        var partitions = new List<(string, double)>();
        foreach (var text in reader.Strings("partitions", ["default:1"]))
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || !double.TryParse(text[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var share) || share is <= 0 or > 1)
            {
                reader.Fail($"Option 'partitions' has '{text}'; each must be NAME:SHARE with a share above 0 and at most 1 (\"live:0.7\").");
                continue;
            }

            partitions.Add((text[..colon], share));
        }

        if (partitions.Sum(p => p.Item2) > 1 + 1e-9)
        {
            reader.Fail($"Option 'partitions' shares add up to {partitions.Sum(p => p.Item2).ToString(CultureInfo.InvariantCulture)}; they must add up to at most 1.");
        }

        if (partitions.Select(p => p.Item1).Distinct(StringComparer.Ordinal).Count() != partitions.Count)
        {
            reader.Fail("Option 'partitions' names a partition twice.");
        }

        var fallback = reader.Strings("defaultPartition", []) is [var single] ? single : null;
        if (fallback is not null && partitions.All(p => p.Item1 != fallback))
        {
            reader.Fail($"Option 'defaultPartition' is '{fallback}', which is not a partition; partitions: {string.Join(", ", partitions.Select(p => p.Item1))}.");
        }

        if (partitions.Count > 0)
        {
            options.Partitions = partitions;
        }

        options.DefaultPartition = fallback;
        return options;
    }
}
