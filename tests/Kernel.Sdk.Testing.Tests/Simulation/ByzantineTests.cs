using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Simulation;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>The Byzantine side of the simulator: faulty replicas drawn from the seed, Twins copies, tampered messages judged as a faulty sender's, keys per link.</summary>
public sealed class ByzantineTests
{
    private static SimCluster Cluster(int byzantine, ByzantineBehaviors behaviors, long seed = 1) =>
        new(new PingStrategy(), new SimulationOptions { Seed = seed, Nodes = 4, Byzantine = byzantine, ByzantineBehaviors = behaviors, LongDelayProbability = 0 });

    [Fact]
    public void Faulty_replicas_are_drawn_from_the_seed_and_no_draw_happens_without_them()
    {
        var a = Cluster(2, ByzantineBehaviors.None, seed: 7);
        var b = Cluster(2, ByzantineBehaviors.None, seed: 7);
        Assert.Equal(2, a.AllNodes.Count(n => n.Byzantine));
        Assert.Equal(a.AllNodes.Select(n => n.Byzantine), b.AllNodes.Select(n => n.Byzantine));

        // No faulty replica: the same run, byte for byte, as before Byzantine runs existed (the golden hashes hold it too).
        var honest = Cluster(0, ByzantineBehaviors.All);
        var plain = new SimCluster(new PingStrategy(), new SimulationOptions { Seed = 1, Nodes = 4, LongDelayProbability = 0 });
        honest.RunFor(TimeSpan.FromSeconds(1));
        plain.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(plain.TraceHash, honest.TraceHash);
        Assert.DoesNotContain(honest.AllNodes, n => n.Byzantine);
    }

    [Fact]
    public void Corrupted_forged_replayed_and_equivocated_messages_of_a_faulty_sender_are_no_violation()
    {
        var c = Cluster(1, ByzantineBehaviors.Corrupt | ByzantineBehaviors.Forge | ByzantineBehaviors.Replay | ByzantineBehaviors.Equivocate);
        c.Byzantine.Start();
        c.RunFor(TimeSpan.FromSeconds(5));
        Assert.Empty(c.Violations);
        Assert.True(c.Byzantine.Rejected > 0, "some tampered messages must have been refused by the codec or the sender stamp");
    }

    [Fact]
    public void Twins_run_a_second_copy_with_the_same_identity_and_split_the_peers()
    {
        var c = Cluster(1, ByzantineBehaviors.Twins, seed: 3);
        c.Byzantine.Start();
        var faulty = c.AllNodes.Single(n => n.Byzantine);
        var twin = Assert.Single(c.Instances, n => n.Index > 4);
        Assert.Equal(faulty.Id, twin.Id);
        Assert.True(twin.Up);
        c.RunFor(TimeSpan.FromSeconds(2));
        Assert.Empty(c.Violations);
        Assert.True(twin.MessagesReceived > 0 && faulty.MessagesReceived > 0, "each copy hears its side");
        foreach (var honest in c.AllNodes.Where(n => !n.Byzantine))
        {
            Assert.True(((PingStrategy.PingNode)honest.Node!).ReceivedFrom.ContainsKey(faulty.Id));
        }
    }

    [Fact]
    public void Link_keys_are_the_same_on_both_ends_and_differ_per_link_and_seed()
    {
        var k12 = new SimLinkKeys(1, new NodeId(1)).KeyFor(new NodeId(2)).ToArray();
        Assert.Equal(k12, new SimLinkKeys(1, new NodeId(2)).KeyFor(new NodeId(1)).ToArray());
        Assert.NotEqual(k12, new SimLinkKeys(1, new NodeId(1)).KeyFor(new NodeId(3)).ToArray());
        Assert.NotEqual(k12, new SimLinkKeys(2, new NodeId(1)).KeyFor(new NodeId(2)).ToArray());
    }

    [Theory]
    [InlineData(4, -1)]
    [InlineData(4, 4)]
    [InlineData(7, 9)]
    public void A_byzantine_count_out_of_range_names_the_allowed_range(int nodes, int byzantine)
    {
        var errors = new SimulationOptions { Nodes = nodes, Byzantine = byzantine }.Validate();
        Assert.Contains(errors, e => e.Contains($"allowed 0..{nodes - 1}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reply_quorum_out_of_range_is_refused() =>
        Assert.Contains(new SimulationOptions { Nodes = 4, ClientReplyQuorum = 5 }.Validate(), e => e.Contains("ClientReplyQuorum", StringComparison.Ordinal));
}
