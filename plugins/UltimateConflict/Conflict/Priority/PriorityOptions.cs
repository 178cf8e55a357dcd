using Kernel.Sdk.Cluster;
using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict.Priority;

/// <summary>The options of <c>conflict/priority</c>, read once from an entry's <c>options</c> object.</summary>
public sealed class PriorityOptions
{
    /// <summary>
    /// Option <c>replicas</c>: replica ids (<c>["n2", "n1"]</c>), highest priority first. The version of the highest
    /// ranked replica wins; a listed replica beats an unlisted one; versions of equal rank (the same replica, or unlisted
    /// ones) go to the highest timestamp, then the greater replica id. Default: empty (every replica ranks the same: the
    /// latest writer wins).
    /// </summary>
    public IReadOnlyList<NodeId> Replicas { get; init; } = [];

    /// <summary>
    /// Option <c>fieldRules</c>: an array of <see cref="PriorityFieldRule"/>s, written <c>"PATTERN =&gt; n2, n1"</c>, for
    /// values that are JSON objects: a top-level field whose name matches a rule (the first that matches) takes its value
    /// (or its absence) from the version of the first listed replica present in the conflict; every other field comes from
    /// the winning version. When a value is not a JSON object the rules do not apply (the winner is kept whole). Default:
    /// none.
    /// </summary>
    public IReadOnlyList<PriorityFieldRule> FieldRules { get; init; } = [];

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static PriorityOptions Read(OptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var replicas = ReplicaIds.Read(reader, "replicas");
        var rules = new List<PriorityFieldRule>();
        foreach (var text in reader.Strings("fieldRules", []))
        {
            if (PriorityFieldRule.Parse(text) is { } rule)
            {
                rules.Add(rule);
            }
            else
            {
                reader.Fail($"Option 'fieldRules' has '{text}'; expected \"PATTERN => n2, n1\" (a field name pattern with * and ?, then {ReplicaIds.Allowed}).");
            }
        }

        return new PriorityOptions { Replicas = replicas, FieldRules = rules };
    }
}
