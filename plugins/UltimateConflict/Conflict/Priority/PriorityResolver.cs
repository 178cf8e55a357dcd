using System.Text.Json;
using Kernel.Sdk.Conflict;

namespace UltimateConflict.Conflict.Priority;

/// <summary>
/// The version of the highest ranked replica wins (<see cref="WinnerOrder"/> with priority first, then the latest
/// timestamp); with field rules and JSON object values, each ruled field comes from its rule's replica instead.
/// </summary>
internal sealed class PriorityResolver(string instance, PriorityOptions options) : IConflictResolver
{
    private readonly WinnerOrder _order = new(options.Replicas, WinnerCriterion.Priority, WinnerCriterion.Latest);

    public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var ranked = _order.Rank(Versions.Distinct(conflict.Versions));
        var winner = ranked[0];
        var reason = ranked.Length == 1 ? "only version" : _order.Reason(winner, ranked[1]);
        var superseded = $"superseded {ranked.Length - 1}" + (ranked.Length == 1 ? string.Empty : ": " + Versions.FormatAll(ranked[1..]));
        if (options.FieldRules.Count == 0 || ranked.Length == 1)
        {
            return Resolution.Winner(winner, $"conflict/{instance} kept {Versions.Format(winner)} ({reason}); {superseded}");
        }

        var fields = ranked.Select(v => JsonFields.Parse(v.Value)).ToArray();
        if (fields.Any(f => f is null))
        {
            return Resolution.Winner(winner, $"conflict/{instance} kept {Versions.Format(winner)} ({reason}; values are not all JSON objects, field rules not applied); {superseded}");
        }

        var byVersion = fields.Select(f => f!.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)).ToArray();
        var names = fields.SelectMany(f => f!).Select(p => p.Key).Distinct(StringComparer.Ordinal);
        var merged = new List<KeyValuePair<string, JsonElement>>();
        var taken = new List<string>();
        foreach (var name in names)
        {
            var source = Source(ranked, name);
            var has = byVersion[source].TryGetValue(name, out var value);
            var winnerHas = byVersion[0].TryGetValue(name, out var winnerValue);
            if (has)
            {
                merged.Add(new(name, value));
            }

            if (has != winnerHas || (has && !JsonElement.DeepEquals(value, winnerValue)))
            {
                taken.Add($"{name} from {Versions.Label(ranked[source])}");
            }
        }

        if (taken.Count == 0)
        {
            return Resolution.Winner(winner, $"conflict/{instance} kept {Versions.Format(winner)} ({reason}; field rules agree with it); {superseded}");
        }

        var version = Versions.Merged(ranked, winner, JsonFields.Encode(merged));
        return Resolution.Winner(
            version,
            $"conflict/{instance} kept {Versions.Label(winner)} ({reason}) with fields by rule: {string.Join(", ", taken)}, giving {Versions.Format(version)}; {superseded}");
    }

    /// <summary>The index (in <paramref name="ranked"/>) of the version that gives field <paramref name="name"/>.</summary>
    private int Source(VersionedValue[] ranked, string name)
    {
        var rule = options.FieldRules.FirstOrDefault(r => r.Matches(name));
        foreach (var replica in rule?.Replicas ?? [])
        {
            var i = Array.FindIndex(ranked, v => v.Replica == replica);
            if (i >= 0)
            {
                return i;
            }
        }

        return 0;
    }
}
