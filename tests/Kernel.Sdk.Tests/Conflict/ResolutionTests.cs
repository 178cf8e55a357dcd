using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Conflict;

public sealed class ResolutionTests
{
    private static readonly VersionedValue A = new(new NodeId(1), new byte[] { 1 }, 5, VersionVector.Empty.With(new NodeId(1), 1));
    private static readonly VersionedValue B = new(new NodeId(2), new byte[] { 2 }, 5, VersionVector.Empty.With(new NodeId(2), 1));

    [Fact]
    public void A_winner_is_resolved_and_siblings_are_not()
    {
        var winner = Resolution.Winner(A, "a");
        Assert.Same(A, winner.Resolved);
        Assert.False(winner.HasSiblings);

        var siblings = Resolution.Siblings([A, B], "both");
        Assert.Null(siblings.Resolved);
        Assert.True(siblings.HasSiblings);
        Assert.Equal([A, B], siblings.Kept);
        Assert.Equal(VersionOrder.Concurrent, A.Clock.Compare(B.Clock));
    }

    [Fact]
    public void A_resolution_keeps_at_least_one_version()
    {
        Assert.Throws<ArgumentException>(() => Resolution.Siblings([], "none"));
    }
}
