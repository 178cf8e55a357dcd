using Kernel.Node.Runtime;

namespace Kernel.Node.Tests.Runtime;

public sealed class NodeRuntimeSnapshotsTests
{
    [Fact]
    public void Members_snapshot_at_points_staggered_by_a_share_of_the_interval()
    {
        // Three members, a snapshot every 300 entries: their points are 0, 100 and 200 modulo 300.
        var points = Enumerable.Range(0, 3).Select(rank => Points(rank, 3, every: 300, upTo: 1500)).ToList();
        Assert.Equal([300, 600, 900, 1200, 1500], points[0]);
        Assert.Equal([400, 700, 1000, 1300], points[1]);
        Assert.Equal([200, 500, 800, 1100, 1400], points[2]);

        // No two members share a point.
        var all = points.SelectMany(p => p).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 3)]
    [InlineData(2, 5)]
    [InlineData(6, 7)]
    public void Two_snapshots_are_at_least_half_an_interval_and_at_most_one_and_a_half_apart(int rank, int members)
    {
        // Whatever the last snapshot's index (the member's own, late; or one installed from the leader, anywhere).
        for (var last = 0L; last < 5000; last += 37)
        {
            var due = NodeRuntime.NextSnapshotDue(last, 1000, rank, members);
            Assert.InRange(due - last, 500, 1500);
            Assert.Equal(1000 * rank / members, due % 1000);
        }
    }

    private static List<long> Points(int rank, int members, long every, long upTo)
    {
        var points = new List<long>();
        for (var last = 0L; ;)
        {
            last = NodeRuntime.NextSnapshotDue(last, every, rank, members);
            if (last > upTo)
            {
                return points;
            }

            points.Add(last);
        }
    }
}
