using UltimateConsensus;

namespace Kernel.Node.Tests;

/// <summary>
/// The node runtime serving <c>consensus/multi-paxos</c> instead of Raft, chosen by the strategy alone: three members over
/// loopback gRPC take writes and linearizable reads, and survive the stop of their leader.
/// </summary>
public sealed class MultiPaxosServeTests
{
    private static async Task<TestCluster> StartAsync()
    {
        var cluster = TestCluster.Create();
        cluster.Strategy = new MultiPaxosStrategy();
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        return cluster;
    }

    [Fact]
    public async Task Three_members_serve_puts_and_linearizable_gets_on_every_member()
    {
        await using var cluster = await StartAsync();
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.IsType<long>(await TestCluster.ProposeAsync(i % 2 == 0 ? leader : cluster.Follower(leader), "k" + i, "v" + i));
        }

        await cluster.AllHoldAsync("k19", "v19");
        foreach (var host in cluster.Running)
        {
            Assert.Equal("v7", await TestCluster.ValueAsync(host, "k7", linearizable: true));
        }
    }

    [Fact]
    public async Task When_the_leader_stops_a_new_one_takes_over_and_acknowledged_writes_survive()
    {
        await using var cluster = await StartAsync();
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 30; i++)
        {
            await TestCluster.ProposeAsync(cluster.Follower(leader), "ack" + i, "x");
        }

        var old = cluster.IndexOf(leader);
        await cluster.StopMemberAsync(old);
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.Member.Id, next.Member.Id);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("x", await TestCluster.ValueAsync(next, "ack" + i, linearizable: true));
        }

        await TestCluster.ProposeAsync(next, "after", "failover");
        await cluster.StartMemberAsync(old);
        await cluster.AllHoldAsync("after", "failover");
        Assert.Equal("x", await TestCluster.ValueAsync(cluster.Hosts[old]!, "ack29", linearizable: true));
    }
}
