using UltimateConsensus;

namespace Kernel.Node.Tests;

/// <summary>
/// The node runtime serving a three-member cluster on <c>consensus/zab</c> by configuration alone: puts and gets
/// (linearizable reads through the log, as ZAB has no ReadIndex), a leader stop and a new epoch, and the stopped
/// leader's return (synchronized by DIFF, TRUNC or SNAP).
/// </summary>
public sealed class ZabServeTests
{
    [Fact]
    public async Task A_zab_cluster_serves_puts_and_gets_and_survives_a_leader_stop()
    {
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        cluster.Strategy = new ZabStrategy();
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 60; i++)
        {
            await TestCluster.ProposeAsync(i % 2 == 0 ? leader : cluster.Follower(leader), "k" + (i % 5), "v" + i); // past a snapshot (every 50)
        }

        await cluster.AllHoldAsync("k4", "v59");
        var follower = cluster.Follower(leader);
        Assert.Equal("v59", await TestCluster.ValueAsync(follower, "k4", linearizable: true));

        var stopped = cluster.IndexOf(leader);
        await cluster.StopMemberAsync(stopped);
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.Member.Id, next.Member.Id);
        await TestCluster.ProposeAsync(next, "after", "leader-stop");
        Assert.Equal("leader-stop", await TestCluster.ValueAsync(cluster.Follower(next), "after", linearizable: true));
        Assert.Equal("v58", await TestCluster.ValueAsync(next, "k3", linearizable: true));

        await cluster.StartMemberAsync(stopped);
        await cluster.AllHoldAsync("after", "leader-stop");
        await TestCluster.ProposeAsync(await cluster.LeaderAsync(), "rejoined", "yes");
        await cluster.AllHoldAsync("rejoined", "yes");
    }
}
