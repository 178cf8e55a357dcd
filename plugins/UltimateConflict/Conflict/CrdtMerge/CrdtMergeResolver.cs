using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace UltimateConflict.Conflict.CrdtMerge;

/// <summary>
/// Merges every version's value as a state of one CRDT type into one version: the join of the states (so nothing any
/// version holds is lost), attributed to the latest writer, with the latest timestamp and the merged clock. States are
/// merged in canonical order, though a CRDT's merge does not depend on it.
/// </summary>
internal sealed class CrdtMergeResolver(string instance, string typeKey, ICrdtType type, bool skipMalformed) : IConflictResolver
{
    public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var merged = new List<VersionedValue>();
        var skipped = new List<(VersionedValue Version, string Why)>();
        var state = type.Empty();
        foreach (var v in Versions.Distinct(conflict.Versions))
        {
            try
            {
                state = type.Merge(state, v.Value.Span);
                merged.Add(v);
            }
            catch (FormatException e) when (skipMalformed)
            {
                skipped.Add((v, e.Message));
            }
            catch (FormatException e)
            {
                throw new InvalidDataException(
                    $"conflict/{instance}: the value of key '{conflict.Key}' from {Versions.Format(v)} is not a {typeKey} state ({e.Message}); option 'malformed' is 'fail'.",
                    e);
            }
        }

        var skippedText = skipped.Count == 0
            ? string.Empty
            : $"; skipped {skipped.Count} malformed: " + string.Join(" | ", skipped.Select(s => $"{Versions.Format(s.Version)} ({s.Why})"));
        if (merged.Count == 0)
        {
            return Resolution.Siblings(
                [.. skipped.Select(s => s.Version)],
                $"conflict/{instance}: no version holds a {typeKey} state; kept as they are{skippedText}");
        }

        var result = Versions.Merged(merged, WinnerOrder.Latest.Rank(merged)[0], state);
        return Resolution.Winner(
            result,
            $"conflict/{instance} merged {merged.Count} as {typeKey} into {Versions.Format(result)} (read: {type.Read(state)}): {Versions.FormatAll(merged)}{skippedText}");
    }
}
