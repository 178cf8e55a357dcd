using System.Text;
using Kernel.Sdk.Cluster;
using UltimateConflict.Conflict.Priority;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict.Priority;

public sealed class PriorityTests
{
    private static readonly TestStrategies Strategies = new();

    [Fact]
    public void The_highest_ranked_replica_wins_over_a_later_write()
    {
        var resolver = Strategies.Create(new PriorityStrategy(), ("replicas:0", "n2"), ("replicas:1", "n1"));
        var resolution = resolver.Resolve(Of(V(1, 5, "one"), V(2, 1, "two"), V(3, 9, "three")));
        Assert.Equal(new NodeId(2), resolution.Resolved!.Replica);
        Assert.Contains("(replica priority); superseded 2: n1@5 {} \"one\" | n3@9 {} \"three\"", resolution.Explanation, StringComparison.Ordinal);

        // Unlisted replicas rank alike: the latest of them wins.
        Assert.Equal(new NodeId(3), resolver.Resolve(Of(V(4, 5, "four"), V(3, 9, "three"))).Resolved!.Replica);
    }

    [Fact]
    public void Field_rules_take_matching_fields_from_their_replica()
    {
        var resolver = Strategies.Create(
            new PriorityStrategy(),
            ("replicas:0", "n1"),
            ("fieldRules:0", "price* => n3, n2"),
            ("fieldRules:1", "stock => n9, n2"));
        var resolution = resolver.Resolve(Of(
            V(1, 5, """{"name":"pen","price":1,"priceEu":2,"stock":7}"""),
            V(2, 6, """{"name":"Pen","price":3,"stock":8,"note":"x"}"""),
            V(3, 4, """{"name":"PEN","price":5}""")));
        Assert.Equal("""{"name":"pen","price":5,"stock":8}""", Encoding.UTF8.GetString(resolution.Resolved!.Value.Span));
        Assert.Equal(new NodeId(1), resolution.Resolved.Replica);
        Assert.Equal(6, resolution.Resolved.Timestamp);
        Assert.Contains("with fields by rule: price from n3@4, priceEu from n3@4, stock from n2@6", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_rules_do_not_apply_to_values_that_are_not_objects()
    {
        var resolver = Strategies.Create(new PriorityStrategy(), ("replicas:0", "n1"), ("fieldRules:0", "* => n2"));
        var resolution = resolver.Resolve(Of(V(1, 5, "plain"), V(2, 6, """{"a":1}""")));
        Assert.Equal("plain", Encoding.UTF8.GetString(resolution.Resolved!.Value.Span));
        Assert.Contains("field rules not applied", resolution.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_parses_its_pattern_and_replicas()
    {
        var rule = PriorityFieldRule.Parse(" a?c* => n2, 3 ")!;
        Assert.Equal("a?c* => n2, n3", rule.ToString());
        Assert.True(rule.Matches("abcdef"));
        Assert.False(rule.Matches("xabc"));
        Assert.Null(PriorityFieldRule.Parse("a => "));
        Assert.Null(PriorityFieldRule.Parse("=> n1"));
        Assert.Null(PriorityFieldRule.Parse("a => n1, n1"));
    }
}
