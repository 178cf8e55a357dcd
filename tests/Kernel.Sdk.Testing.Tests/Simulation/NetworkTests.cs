using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Simulation;

namespace Kernel.Sdk.Testing.Tests.Simulation;

public sealed class NetworkTests
{
    private static readonly NodeId N1 = new(1), N2 = new(2), N3 = new(3), N4 = new(4), N5 = new(5);

    private static SimCluster Cluster(long seed = 1) =>
        SimCluster.Create(new PingStrategy(), new SimulationOptions { Seed = seed, Nodes = 5, LongDelayProbability = 0 });

    private static Dictionary<NodeId, int> Received(SimCluster c, NodeId n) => ((PingStrategy.PingNode)c.GetNode(n)!).ReceivedFrom;

    private static Dictionary<NodeId, int> Delta(SimCluster c, NodeId n, Action run)
    {
        var before = new Dictionary<NodeId, int>(Received(c, n));
        run();
        return Received(c, n).ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key)).Where(p => p.Value > 0).ToDictionary();
    }

    [Fact]
    public void Fully_connected_cluster_delivers_everything_and_counts_bytes()
    {
        var c = Cluster();
        c.RunFor(TimeSpan.FromSeconds(1));
        foreach (var n in c.Nodes)
        {
            Assert.Equal(4, Received(c, n).Count);
            var counters = c.Counters(n);
            Assert.True(counters.MessagesSent > 300);
            Assert.Equal(16 * counters.MessagesSent, counters.BytesSent);
            Assert.Equal(0, counters.MessagesDropped);
        }

        var (messages, bytes) = c.LinkCounters(N1, N2);
        Assert.Equal(16 * messages, bytes);
        Assert.InRange(c.TotalCounters.MessagesReceived, c.TotalCounters.MessagesSent - 40, c.TotalCounters.MessagesSent);
    }

    [Fact]
    public void Partition_isolates_groups_and_heal_restores()
    {
        var c = Cluster();
        c.RunFor(TimeSpan.FromMilliseconds(100));
        c.Partition([N1, N2], [N3, N4, N5]);
        c.RunFor(TimeSpan.FromMilliseconds(50)); // let messages in flight drain
        var got1 = Delta(c, N1, () => c.RunFor(TimeSpan.FromMilliseconds(500)));
        Assert.Equal([N2], got1.Keys.Order());
        var got3 = Delta(c, N3, () => c.RunFor(TimeSpan.FromMilliseconds(500)));
        Assert.Equal([N4, N5], got3.Keys.Order());

        c.Heal();
        var healed = Delta(c, N1, () => c.RunFor(TimeSpan.FromMilliseconds(500)));
        Assert.Equal([N2, N3, N4, N5], healed.Keys.Order());
    }

    [Fact]
    public void One_way_block_cuts_only_one_direction()
    {
        var c = Cluster();
        c.Block(N1, N2);
        c.RunFor(TimeSpan.FromMilliseconds(20));
        var at2 = Delta(c, N2, () => c.RunFor(TimeSpan.FromMilliseconds(500)));
        Assert.DoesNotContain(N1, at2.Keys);
        var at1 = Delta(c, N1, () => c.RunFor(TimeSpan.FromMilliseconds(500)));
        Assert.Contains(N2, at1.Keys);
        Assert.True(c.IsBlocked(N1, N2));
        Assert.False(c.IsBlocked(N2, N1));
        Assert.True(c.Counters(N1).MessagesDropped > 0);
    }

    [Fact]
    public void Disconnect_and_connect_one_node()
    {
        var c = Cluster();
        c.Disconnect(N3);
        c.RunFor(TimeSpan.FromMilliseconds(20));
        var at3 = Delta(c, N3, () => c.RunFor(TimeSpan.FromMilliseconds(300)));
        Assert.Empty(at3);
        var at1 = Delta(c, N1, () => c.RunFor(TimeSpan.FromMilliseconds(300)));
        Assert.DoesNotContain(N3, at1.Keys);
        c.Connect(N3);
        var back = Delta(c, N3, () => c.RunFor(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(4, back.Count);
    }

    [Fact]
    public void Connect_does_not_reconnect_a_node_that_is_still_disconnected()
    {
        var c = Cluster();
        c.Disconnect(N2);
        c.Disconnect(N3);
        c.Connect(N3);
        c.RunFor(TimeSpan.FromMilliseconds(20));
        var at3 = Delta(c, N3, () => c.RunFor(TimeSpan.FromMilliseconds(300)));
        Assert.Equal([N1, N4, N5], at3.Keys.Order());
        Assert.True(c.IsBlocked(N2, N3));
        c.Connect(N2);
        Assert.False(c.IsBlocked(N2, N3));
    }

    [Fact]
    public void Unreliable_network_loses_about_a_tenth()
    {
        var c = Cluster();
        c.SetReliable(false);
        c.RunFor(TimeSpan.FromSeconds(2));
        var t = c.TotalCounters;
        var lossRate = (double)t.MessagesDropped / t.MessagesSent;
        Assert.InRange(lossRate, 0.07, 0.13);
    }

    [Fact]
    public void Crashed_node_receives_nothing_and_restarts()
    {
        var c = Cluster();
        c.Crash(N2);
        Assert.False(c.IsUp(N2));
        Assert.Null(c.Status(N2));
        c.RunFor(TimeSpan.FromMilliseconds(200));
        c.Restart(N2);
        Assert.True(c.IsUp(N2));
        var got = Delta(c, N2, () => c.RunFor(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(4, got.Count);
    }

    [Fact]
    public void Paused_node_queues_input_and_processes_it_on_resume()
    {
        var c = Cluster();
        c.Pause(N4, TimeSpan.FromMilliseconds(300));
        var during = Delta(c, N4, () => c.RunFor(TimeSpan.FromMilliseconds(250)));
        Assert.Empty(during);
        var after = Delta(c, N4, () => c.RunFor(TimeSpan.FromMilliseconds(100)));
        Assert.True(after.Values.Sum() > 4 * 20, "the queued pings are delivered at resume");
    }

    [Fact]
    public void Clock_drift_changes_the_tick_rate()
    {
        var c = Cluster();
        c.SetClockDrift(N1, 0.25);
        c.RunFor(TimeSpan.FromSeconds(2));
        var slow = c.Counters(N1).MessagesSent;
        var normal = c.Counters(N2).MessagesSent;
        Assert.InRange((double)slow / normal, 0.75, 0.85);
    }
}
