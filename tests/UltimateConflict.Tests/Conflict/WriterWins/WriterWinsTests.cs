using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using UltimateConflict.Conflict;
using UltimateConflict.Conflict.WriterWins;
using static UltimateConflict.Tests.Conflict.TestVersions;

namespace UltimateConflict.Tests.Conflict.WriterWins;

public sealed class WriterWinsTests
{
    private static readonly TestStrategies Strategies = new();

    private static WriterWinsResolver Lww(params (string, string)[] options) =>
        (WriterWinsResolver)Strategies.Create(WriterWinsStrategy.LastWriterWins, options);

    [Property(MaxTest = 300)]
    public bool Lww_audit_records_every_losing_version(int seed)
    {
        var versions = Random(new Random(seed));
        var resolver = Lww(("nodePriority:0", "n2"));
        var decision = resolver.Decide(versions);
        var explanation = resolver.Resolve(Of(versions)).Explanation;
        var losers = versions.Where(v => !Versions.SameContent(v, decision.Winner)).ToArray();
        return decision.Winner.Timestamp == versions.Max(v => v.Timestamp)
            && losers.All(l => decision.Superseded.Any(s => Versions.SameContent(s, l)))
            && decision.Superseded.Count == Versions.Distinct(versions).Length - 1
            && decision.Superseded.All(s => explanation.Contains(Versions.Format(s), StringComparison.Ordinal))
            && explanation.Contains($"superseded {decision.Superseded.Count}", StringComparison.Ordinal);
    }

    [Fact]
    public void The_highest_timestamp_wins_and_the_explanation_lists_the_losers()
    {
        var resolution = Lww().Resolve(Of(V(1, 7, "old", (1, 1)), V(2, 9, "new", (2, 1)), V(3, 8, "mid")));
        Assert.Equal("new", System.Text.Encoding.UTF8.GetString(resolution.Resolved!.Value.Span));
        Assert.Equal(
            "conflict/last-writer-wins kept n2@9 {n2:1} \"new\" (latest timestamp); superseded 2: n3@8 {} \"mid\" | n1@7 {n1:1} \"old\"",
            resolution.Explanation);
    }

    [Fact]
    public void A_tie_goes_to_node_priority_then_to_the_greater_replica_id()
    {
        var tied = Of(V(1, 5, "a"), V(2, 5, "b"), V(3, 5, "c"), V(4, 4, "d"));
        Assert.Equal(new NodeId(3), Lww().Resolve(tied).Resolved!.Replica);
        var byPriority = Lww(("nodePriority:0", "n9"), ("nodePriority:1", "1"), ("nodePriority:2", "n3")).Resolve(tied);
        Assert.Equal(new NodeId(1), byPriority.Resolved!.Replica);
        Assert.Contains("tie on timestamp 5 broken by replica priority", byPriority.Explanation, StringComparison.Ordinal);
        Assert.Contains("tie on timestamp 5 and priority broken by greater replica id", Lww().Resolve(tied).Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Versions_alike_but_for_their_bytes_are_still_ordered()
    {
        var x = V(1, 5, "x");
        var y = V(1, 5, "y");
        Assert.Equal("y", System.Text.Encoding.UTF8.GetString(Lww().Resolve(Of(x, y)).Resolved!.Value.Span));
        Assert.Equal("y", System.Text.Encoding.UTF8.GetString(Lww().Resolve(Of(y, x)).Resolved!.Value.Span));
        Assert.EndsWith("superseded 0", Lww().Resolve(Of(x, x with { Value = x.Value.ToArray() })).Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void First_writer_wins_keeps_the_lowest_timestamp_with_the_same_tie_break()
    {
        var resolver = Strategies.Create(WriterWinsStrategy.FirstWriterWins, ("nodePriority:0", "n1"));
        Assert.Equal("first", System.Text.Encoding.UTF8.GetString(resolver.Resolve(Of(V(2, 3, "later"), V(3, 1, "first"))).Resolved!.Value.Span));
        Assert.Equal(new NodeId(1), resolver.Resolve(Of(V(2, 1, "b"), V(1, 1, "a"), V(3, 1, "c"))).Resolved!.Replica);
        Assert.Equal(new NodeId(3), Strategies.Create(WriterWinsStrategy.FirstWriterWins).Resolve(Of(V(2, 1, "b"), V(3, 1, "c"))).Resolved!.Replica);
    }

    [Fact]
    public void The_instance_name_heads_the_audit_line()
    {
        var resolver = WriterWinsStrategy.LastWriterWins.Create(Strategies.Context("lww-by-node"));
        Assert.StartsWith("conflict/lww-by-node kept", resolver.Resolve(Of(V(1, 1, "a"), V(2, 2, "b"))).Explanation, StringComparison.Ordinal);
    }
}
