using System.Text;
using System.Text.Json;

namespace UltimateConflict.Conflict.ThreeWay;

/// <summary>The outcome of a field-wise three-way merge: the merged value (markers on true conflicts) and what changed.</summary>
internal sealed record FieldMergeResult(byte[] Value, int Conflicts, IReadOnlyList<string> TakenLeft, IReadOnlyList<string> TakenRight, IReadOnlyList<string> Alike);

/// <summary>
/// A three-way merge of JSON objects field by field (top-level fields only; a field's value is compared whole, as JSON):
/// a field changed (or added, or removed) on one side only takes that side's value; changed alike on both sides, that
/// value; changed differently, a true conflict. Without conflicts the result is the merged object, compact, fields in the
/// order of the ancestor, then the left's new ones, then the right's. With conflicts the result is the object one field a
/// line, each conflicting field between git-style markers (as diff3 writes lines): no longer JSON, as a file with
/// markers no longer compiles, until someone resolves it.
/// </summary>
internal static class FieldMerge
{
    public static FieldMergeResult Merge(
        List<KeyValuePair<string, JsonElement>> left,
        List<KeyValuePair<string, JsonElement>> ancestor,
        List<KeyValuePair<string, JsonElement>> right,
        string leftLabel,
        string baseLabel,
        string rightLabel)
    {
        var l = left.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var o = ancestor.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var r = right.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var names = ancestor.Concat(left).Concat(right).Select(f => f.Key).Distinct(StringComparer.Ordinal);

        // Each entry: one field's value (null: absent), or a conflict of three.
        var merged = new List<(string Name, JsonElement? Value, (JsonElement? L, JsonElement? O, JsonElement? R)? Conflict)>();
        List<string> takenLeft = [], takenRight = [], alike = [];
        foreach (var name in names)
        {
            JsonElement? lv = l.TryGetValue(name, out var x) ? x : null;
            JsonElement? ov = o.TryGetValue(name, out var y) ? y : null;
            JsonElement? rv = r.TryGetValue(name, out var z) ? z : null;
            if (Same(lv, ov))
            {
                merged.Add((name, rv, null));
                if (!Same(rv, ov))
                {
                    takenRight.Add(name);
                }
            }
            else if (Same(rv, ov) || Same(lv, rv))
            {
                merged.Add((name, lv, null));
                (Same(rv, ov) ? takenLeft : alike).Add(name);
            }
            else
            {
                merged.Add((name, null, (lv, ov, rv)));
            }
        }

        var conflicts = merged.Count(m => m.Conflict is not null);
        if (conflicts == 0)
        {
            var clean = merged.Where(m => m.Value is not null).Select(m => new KeyValuePair<string, JsonElement>(m.Name, m.Value!.Value));
            return new FieldMergeResult(JsonFields.Encode(clean), 0, takenLeft, takenRight, alike);
        }

        var present = merged.Where(m => m.Value is not null || m.Conflict is not null).ToArray();
        var text = new StringBuilder("{\n");
        for (var i = 0; i < present.Length; i++)
        {
            var comma = i < present.Length - 1 ? "," : string.Empty;
            var (name, value, conflict) = present[i];
            if (conflict is var (cl, co, cr))
            {
                text.Append("<<<<<<< ").Append(leftLabel).Append('\n').Append(Line(name, cl, comma));
                text.Append("||||||| ").Append(baseLabel).Append('\n').Append(Line(name, co, comma));
                text.Append("=======\n").Append(Line(name, cr, comma));
                text.Append(">>>>>>> ").Append(rightLabel).Append('\n');
            }
            else
            {
                text.Append(Line(name, value, comma));
            }
        }

        text.Append("}\n");
        return new FieldMergeResult(Encoding.UTF8.GetBytes(text.ToString()), conflicts, takenLeft, takenRight, alike);
    }

    private static bool Same(JsonElement? a, JsonElement? b) =>
        a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null;

    /// <summary>One field on a line of its own (nothing when absent), the value compact.</summary>
    private static string Line(string name, JsonElement? value, string comma)
    {
        if (value is not { } v)
        {
            return string.Empty;
        }

        var field = Encoding.UTF8.GetString(JsonFields.Encode([new(name, v)]))[1..^1]; // "name":value
        return "  " + field + comma + "\n";
    }
}
