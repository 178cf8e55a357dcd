using System.Text;
using System.Text.Json;
using FsCheck.Xunit;
using UltimateConflict.Conflict;
using UltimateConflict.Conflict.ThreeWay;

namespace UltimateConflict.Tests.Conflict.ThreeWay;

public sealed class FieldMergeTests
{
    [Property(MaxTest = 300)]
    public bool A_side_left_unchanged_yields_the_other(int seed)
    {
        var random = new Random(seed);
        string changed = Json(random), o = Json(random);
        return Clean(Merge(o, o, changed), changed) && Clean(Merge(changed, o, o), changed) && Clean(Merge(changed, o, changed), changed);
    }

    [Property(MaxTest = 300)]
    public bool Swapping_the_sides_swaps_what_each_gave_and_keeps_the_conflicts(int seed)
    {
        var random = new Random(seed);
        string left = Json(random), o = Json(random), right = Json(random);
        var forward = Merge(left, o, right);
        var backward = Merge(right, o, left);
        return forward.Conflicts == backward.Conflicts
            && forward.TakenLeft.SequenceEqual(backward.TakenRight)
            && forward.TakenRight.SequenceEqual(backward.TakenLeft)
            && forward.Alike.SequenceEqual(backward.Alike)
            && (forward.Conflicts > 0 || SameFields(forward.Value, backward.Value));
    }

    [Fact]
    public void Only_objects_with_unique_fields_are_read()
    {
        Assert.NotNull(JsonFields.Parse(Encoding.UTF8.GetBytes("""{"a":1,"b":[1,2]}""")));
        Assert.Null(JsonFields.Parse(Encoding.UTF8.GetBytes("""{"a":1,"a":2}""")));
        Assert.Null(JsonFields.Parse(Encoding.UTF8.GetBytes("[1]")));
        Assert.Null(JsonFields.Parse(Encoding.UTF8.GetBytes("{")));
    }

    private static FieldMergeResult Merge(string left, string o, string right) =>
        FieldMerge.Merge(Fields(left), Fields(o), Fields(right), "l", "o", "r");

    private static List<KeyValuePair<string, JsonElement>> Fields(string json) => JsonFields.Parse(Encoding.UTF8.GetBytes(json))!;

    private static bool Clean(FieldMergeResult result, string expected) => result.Conflicts == 0 && SameFields(result.Value, Encoding.UTF8.GetBytes(expected));

    private static bool SameFields(byte[] a, byte[] b)
    {
        var x = Fields(Encoding.UTF8.GetString(a)).OrderBy(f => f.Key, StringComparer.Ordinal).ToArray();
        var y = Fields(Encoding.UTF8.GetString(b)).OrderBy(f => f.Key, StringComparer.Ordinal).ToArray();
        return x.Length == y.Length && x.Zip(y).All(p => p.First.Key == p.Second.Key && JsonElement.DeepEquals(p.First.Value, p.Second.Value));
    }

    private static string Json(Random random) =>
        "{" + string.Join(",", new[] { "a", "b", "c", "d" }.Where(_ => random.Next(3) > 0).Select(f => $"\"{f}\":{Value(random)}")) + "}";

    private static string Value(Random random) => random.Next(4) switch
    {
        0 => "1",
        1 => "[1, 2]",
        2 => "{\"x\": true}",
        _ => "\"s\"",
    };
}
