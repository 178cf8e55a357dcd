using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>A replica's contents as the key-value workload reads them: each key's kept values as text, sorted.</summary>
internal static class ReplicaTexts
{
    /// <summary>Each present key's values (one, or several siblings) as text in ordinal order, keys in ordinal order.</summary>
    public static SortedDictionary<string, string[]> Of(IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> contents)
    {
        var texts = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, versions) in contents)
        {
            if (versions.Count > 0)
            {
                texts[key] = [.. versions.Select(v => KvModel.Text(v.Value)!).Order(StringComparer.Ordinal)];
            }
        }

        return texts;
    }

    /// <summary>True when both hold the same values.</summary>
    public static bool Same(string[]? a, string[]? b) =>
        a is null || b is null ? a == b : a.AsSpan().SequenceEqual(b);

    /// <summary>A key's values for a message: <c>absent</c>, one quoted value, or its siblings.</summary>
    public static string Show(string[]? values) => values switch
    {
        null => "absent",
        [var one] => Quote(one),
        _ => "siblings " + string.Join(", ", values.Select(Quote)),
    };

    private static string Quote(string value) => "\"" + (value.Length > 60 ? value[..57] + "..." : value) + "\"";
}
