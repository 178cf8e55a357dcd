using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict;

/// <summary>Replica ids in options: <c>n3</c> or <c>3</c> (a positive integer), as <see cref="NodeId.ToString"/> prints them.</summary>
internal static class ReplicaIds
{
    /// <summary>What an option holding replica ids allows, for error messages.</summary>
    public const string Allowed = "replica ids written n1, n2, ... (or 1, 2, ...), each at most once";

    /// <summary>Parses one replica id; null when malformed.</summary>
    public static NodeId? Parse(string text)
    {
        var digits = text.StartsWith('n') ? text[1..] : text;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? new NodeId(id) : null;
    }

    /// <summary>Parses a comma-separated list of replica ids (<c>n2, n1</c>); null when an item is malformed or repeated.</summary>
    public static IReadOnlyList<NodeId>? ParseList(IEnumerable<string> items)
    {
        var ids = new List<NodeId>();
        foreach (var item in items)
        {
            if (Parse(item.Trim()) is not { } id || ids.Contains(id))
            {
                return null;
            }

            ids.Add(id);
        }

        return ids;
    }

    /// <summary>Reads an option that is an array of replica ids, highest priority first; absent gives an empty list.</summary>
    public static IReadOnlyList<NodeId> Read(OptionReader reader, string name)
    {
        var items = reader.Strings(name, []);
        if (ParseList(items) is { } ids)
        {
            return ids;
        }

        reader.Fail($"Option '{name}' is [{string.Join(", ", items)}]; expected an array of {Allowed}.");
        return [];
    }
}
