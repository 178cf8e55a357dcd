using UltimateConsensus;

namespace Kernel.Node.Tests;

/// <summary>The node runtime serves a cluster on <c>consensus/vr</c> by configuration alone, and it survives losing its primary.</summary>
public sealed class VrServeTests
{
    [Fact]
    public async Task A_three_member_cluster_on_vr_serves_puts_and_gets_and_survives_a_primary_stop()
    {
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        cluster.Strategy = new VrStrategy();
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var primary = await cluster.LeaderAsync();
        await TestCluster.ProposeAsync(primary, "k1", "v1");
        await TestCluster.ProposeAsync(cluster.Follower(primary), "k2", "v2");
        await cluster.AllHoldAsync("k1", "v1");
        await cluster.AllHoldAsync("k2", "v2");

        await cluster.StopMemberAsync(cluster.IndexOf(primary));
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(primary.Member.Id, next.Member.Id);
        await TestCluster.ProposeAsync(next, "k3", "v3");
        await cluster.AllHoldAsync("k1", "v1");
        await cluster.AllHoldAsync("k3", "v3");
    }
}
