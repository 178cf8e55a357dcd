using System.Text;
using Kernel.Sdk.Conflict;
using UltimateConflict.Conflict.ThreeWay;
using UltimateConflict.Conflict.WriterWins;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict.ThreeWay;

public sealed class ThreeWayMergeTests
{
    private static readonly TestStrategies Strategies = new TestStrategies()
        .Add("fww", WriterWinsStrategy.FirstWriterWins);

    private static IConflictResolver Merge(params (string, string)[] options) => Strategies.Create(new ThreeWayMergeStrategy(), options);

    private static string Text(Resolution resolution) => Encoding.UTF8.GetString(resolution.Resolved!.Value.Span);

    private static Kernel.Sdk.Conflict.Conflict Three(string ancestor, string left, string right) =>
        new("doc", [V(2, 9, right, (1, 1), (2, 1)), V(1, 8, left, (1, 2))], V(1, 5, ancestor, (1, 1)));

    [Fact]
    public void Changes_on_either_side_are_kept_and_the_merge_is_attributed_to_the_latest_writer()
    {
        var resolution = Merge().Resolve(Three("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n"));
        Assert.Equal("A\nb\nC\n", Text(resolution));
        Assert.Equal(9, resolution.Resolved!.Timestamp);
        Assert.Equal(new Kernel.Sdk.Cluster.NodeId(2), resolution.Resolved.Replica);
        Assert.Equal(Clock((1, 2), (2, 1)), resolution.Resolved.Clock);
        Assert.Contains("merged n1@8 and n2@9 over ancestor n1@5 by lines: 1 chunks from n1@8, 1 from n2@9, 0 changed alike, no true conflict", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_true_conflict_is_marked_with_the_version_labels_left_being_the_lower_replica()
    {
        var resolution = Merge().Resolve(Three("a\nb\n", "a\nx\n", "a\ny\n"));
        Assert.Equal("a\n<<<<<<< n1@8\nx\n||||||| ancestor n1@5\nb\n=======\ny\n>>>>>>> n2@9\n", Text(resolution));
        Assert.Contains("1 true conflicts between markers", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_true_conflict_can_keep_siblings_or_go_to_the_fallback()
    {
        var siblings = Merge(("onConflict", "siblings")).Resolve(Three("a\nb\n", "a\nx\n", "a\ny\n"));
        Assert.Equal(2, siblings.Kept.Count);
        var fallback = Merge(("onConflict", "fallback"), ("fallback", "conflict/fww")).Resolve(Three("a\nb\n", "a\nx\n", "a\ny\n"));
        Assert.Equal("a\nx\n", Text(fallback));
        Assert.Contains("1 true conflicts merging n1@8 and n2@9 over ancestor n1@5; fell back to conflict/fww: conflict/fww kept", fallback.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_ancestor_or_with_more_than_two_versions_the_fallback_resolves()
    {
        var noAncestor = Merge().Resolve(Three("a\n", "b\n", "c\n") with { Ancestor = null });
        Assert.Equal("c\n", Text(noAncestor));
        Assert.StartsWith("conflict/three-way-merge: no common ancestor; fell back to conflict/last-writer-wins: ", noAncestor.Explanation, StringComparison.Ordinal);

        var three = Three("a\n", "b\n", "c\n");
        var many = Merge().Resolve(three with { Versions = [.. three.Versions, V(3, 1, "d\n")] });
        Assert.Contains("3 distinct versions", many.Explanation, StringComparison.Ordinal);
        Assert.Contains("conflict/last-writer-wins", Strategies.Resolved);
    }

    [Fact]
    public void Bytes_that_are_not_text_or_too_many_lines_go_to_the_fallback()
    {
        var binary = Three("a", "b", "c");
        binary = binary with { Versions = [binary.Versions[0], binary.Versions[1] with { Value = new byte[] { 0xff, 0xfe } }] };
        Assert.Contains("a value is not UTF-8 text", Merge().Resolve(binary).Explanation, StringComparison.Ordinal);
        Assert.Contains("more than maxLines 2 lines", Merge(("maxLines", "2")).Resolve(Three("a\nb\nc\n", "a\n", "b\n")).Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_merge_a_json_object_field_by_field()
    {
        var clean = Merge(("mode", "fields")).Resolve(Three(
            """{"name":"ann","age":30,"city":"oslo"}""",
            """{"name":"ann","age":31,"city":"oslo"}""",
            """{ "name": "ann", "age": 30, "city": "oslo", "email": "a@x" }"""));
        Assert.Equal("""{"name":"ann","age":31,"city":"oslo","email":"a@x"}""", Text(clean));
        Assert.Contains("fields: [age] from n1@8, [email] from n2@9", clean.Explanation, StringComparison.Ordinal);

        var removed = Merge(("mode", "fields")).Resolve(Three("""{"a":1,"b":2}""", """{"a":1}""", """{"a":1,"b":2}"""));
        Assert.Equal("""{"a":1}""", Text(removed));

        // Changed on one side, removed on the other: a true conflict, the removal an empty alternative.
        var changedAndRemoved = Merge(("mode", "fields")).Resolve(Three("""{"a":1,"b":2}""", """{"a":1}""", """{"a":1,"b":3}"""));
        Assert.Equal("{\n  \"a\":1,\n<<<<<<< n1@8\n||||||| ancestor n1@5\n  \"b\":2\n=======\n  \"b\":3\n>>>>>>> n2@9\n}\n", Text(changedAndRemoved));
    }

    [Fact]
    public void A_field_changed_differently_on_both_sides_is_marked()
    {
        var marked = Merge(("mode", "fields")).Resolve(Three("""{"a":1,"b":1}""", """{"a":2,"b":1}""", """{"a":3,"b":1}"""));
        Assert.Equal(
            "{\n<<<<<<< n1@8\n  \"a\":2,\n||||||| ancestor n1@5\n  \"a\":1,\n=======\n  \"a\":3,\n>>>>>>> n2@9\n  \"b\":1\n}\n",
            Text(marked));
        var notObjects = Merge(("mode", "fields")).Resolve(Three("[1]", """{"a":1}""", """{"a":2}"""));
        Assert.Contains("a value is not a JSON object with unique field names", notObjects.Explanation, StringComparison.Ordinal);
    }
}
