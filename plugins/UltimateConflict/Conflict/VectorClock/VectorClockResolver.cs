using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Conflict.VectorClock;

/// <summary>What a vector-clock resolution keeps and drops, each dropped version with the reason.</summary>
internal sealed record VectorClockDecision(
    IReadOnlyList<VersionedValue> Kept,
    IReadOnlyList<VersionedValue> Dominated,
    IReadOnlyList<VersionedValue> SameClock,
    IReadOnlyList<VersionedValue> OverLimit);

/// <summary>
/// Keeps the maximal antichain of the versions under causality: a version whose clock another version's clock strictly
/// dominates is superseded; versions with equal clocks are one version (the latest of them is kept, the others are
/// recorded as duplicates); concurrent versions are siblings, in canonical order.
/// </summary>
internal sealed class VectorClockResolver(string instance, VectorClockOptions options) : IConflictResolver
{
    public VectorClockDecision Decide(IReadOnlyList<VersionedValue> versions)
    {
        var byClock = new List<VersionedValue>();
        var sameClock = new List<VersionedValue>();
        foreach (var group in Versions.Distinct(versions).GroupBy(v => v.Clock))
        {
            var ranked = WinnerOrder.Latest.Rank(group);
            byClock.Add(ranked[0]);
            sameClock.AddRange(ranked[1..]);
        }

        var kept = new List<VersionedValue>();
        var dominated = new List<VersionedValue>();
        foreach (var v in byClock)
        {
            (byClock.Any(u => u.Clock.Compare(v.Clock) == VersionOrder.After) ? dominated : kept).Add(v);
        }

        var overLimit = new List<VersionedValue>();
        if (options.MaxSiblings > 0 && kept.Count > options.MaxSiblings)
        {
            var ranked = WinnerOrder.Latest.Rank(kept);
            overLimit.AddRange(ranked[options.MaxSiblings..]);
            kept = [.. ranked[..options.MaxSiblings]];
        }

        kept.Sort(Versions.CompareCanonical);
        dominated.Sort(Versions.CompareCanonical);
        sameClock.Sort(Versions.CompareCanonical);
        overLimit.Sort(Versions.CompareCanonical);
        return new VectorClockDecision(kept, dominated, sameClock, overLimit);
    }

    public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var d = Decide(conflict.Versions);
        var why = $"conflict/{instance} kept {d.Kept.Count} ({(d.Kept.Count == 1 ? "it dominates the rest" : "concurrent siblings")}): "
            + Versions.FormatAll(d.Kept)
            + Dropped("superseded (causally dominated)", d.Dominated)
            + Dropped("duplicate clock (a later version has the same clock)", d.SameClock)
            + Dropped($"dropped over maxSiblings {options.MaxSiblings}", d.OverLimit);
        return Resolution.Siblings(d.Kept, why);
    }

    private static string Dropped(string what, IReadOnlyList<VersionedValue> versions) =>
        versions.Count == 0 ? string.Empty : $"; {what} {versions.Count}: {Versions.FormatAll(versions)}";
}
