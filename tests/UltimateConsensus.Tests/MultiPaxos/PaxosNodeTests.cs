using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.MultiPaxos;

namespace UltimateConsensus.Tests.MultiPaxos;

/// <summary>The Multi-Paxos node alone, driven by hand: ballots, phase 1 merging, persistence before answers, refusals.</summary>
public sealed class PaxosNodeTests
{
    private static readonly Membership Three = new([new NodeId(1), new NodeId(2), new NodeId(3)]);

    private static PaxosNode Node(int id, Membership? membership = null, RecoveredState? recovered = null) =>
        new(new NodeId(id), membership ?? Three, recovered ?? RecoveredState.Empty, new Random(id), PaxosOptions.ReadValid(new ConfigurationBuilder().Build()));

    /// <summary>Delivers every message between the nodes until none is left, doing each Ready as the runtime would.</summary>
    private static void Stabilize(params PaxosNode[] nodes)
    {
        var byId = nodes.ToDictionary(n => n.Id);
        for (var round = 0; round < 100; round++)
        {
            var sent = new List<IProtocolMessage>();
            foreach (var n in nodes)
            {
                while (n.HasReady)
                {
                    var ready = n.GetReady();
                    sent.AddRange(ready.Messages);
                    n.Advance(ready);
                }
            }

            if (sent.Count == 0)
            {
                return;
            }

            foreach (var m in sent)
            {
                if (byId.TryGetValue(m.To, out var to))
                {
                    to.Step(m);
                }
            }
        }

        Assert.Fail("the nodes did not settle");
    }

    [Fact]
    public void Ballots_are_owned_round_robin_and_only_grow()
    {
        var n2 = Node(2);
        Assert.Equal(new NodeId(1), n2.OwnerOf(3));
        Assert.Equal(new NodeId(2), n2.OwnerOf(4));
        Assert.Equal(new NodeId(3), n2.OwnerOf(5));
        Assert.Equal(1, n2.NextBallotAbove(0));
        Assert.Equal(4, n2.NextBallotAbove(1));
        Assert.Equal(7, n2.NextBallotAbove(4));
    }

    [Fact]
    public void A_single_node_leads_at_once_and_commits_alone()
    {
        var n = Node(1, new Membership([new NodeId(1)]));
        n.Campaign();
        Assert.Equal(ConsensusRole.Leader, n.Status.Role);
        var r = n.Propose(new byte[] { 7 });
        Assert.True(r.Accepted);
        var ready = n.GetReady();
        Assert.True(ready.MustSync);
        Assert.Equal([EntryKind.Noop, EntryKind.Command], ready.CommittedEntries.Select(e => e.Kind));
    }

    [Fact]
    public void The_promise_is_persisted_in_the_same_Ready_that_sends_the_Prepare()
    {
        var n = Node(1);
        n.Campaign();
        var ready = n.GetReady();
        Assert.True(ready.MustSync);
        Assert.Equal(new PaxosHardState(n.Promised, 0), PaxosHardState.Decode(ready.HardState.Span));
        Assert.All(ready.Messages, m => Assert.IsType<Prepare>(m));
        Assert.Equal(ConsensusRole.ViewChange, n.Status.Role);
    }

    [Fact]
    public void An_acceptor_persists_its_promise_before_answering_and_refuses_lower_ballots()
    {
        var n = Node(2);
        n.Step(new Prepare(new NodeId(3), new NodeId(2), 5, 1));
        var ready = n.GetReady();
        Assert.True(ready.MustSync);
        Assert.Equal(5, PaxosHardState.Decode(ready.HardState.Span).Promised);
        Assert.True(Assert.IsType<Promise>(Assert.Single(ready.Messages)).Granted);
        n.Advance(ready);

        n.Step(new Prepare(new NodeId(1), new NodeId(2), 3, 1));
        n.Step(new Accept(new NodeId(1), new NodeId(2), 3, 0, 0, [new LogEntry(1, 3, EntryKind.Command, new byte[] { 1 })]));
        ready = n.GetReady();
        Assert.Empty(ready.Entries);
        Assert.Collection(ready.Messages,
            m => Assert.Equal((false, 5L), (Assert.IsType<Promise>(m).Granted, m is Promise p ? p.Term : 0)),
            m => Assert.False(Assert.IsType<Accepted>(m).Ok));
    }

    [Fact]
    public void Phase_1_takes_the_value_of_the_highest_ballot_and_ends_with_its_own_no_op()
    {
        // Node 2 accepted x, a no-op and z at slots 1..3 in ballot 1; node 3 accepted y at slot 1 in ballot 4 (a later
        // leader's value). Node 2 (owner of ballot 7) runs phase 1 with node 3, then adds its own no-op at slot 4.
        var n2 = Node(2, recovered: new RecoveredState(new PaxosHardState(4, 0).Encode(), null,
            [new LogEntry(1, 1, EntryKind.Command, "x"u8.ToArray()), new LogEntry(2, 1, EntryKind.Noop, ReadOnlyMemory<byte>.Empty), new LogEntry(3, 1, EntryKind.Command, "z"u8.ToArray())]));
        var n3 = Node(3, recovered: new RecoveredState(new PaxosHardState(4, 0).Encode(), null, [new LogEntry(1, 4, EntryKind.Command, "y"u8.ToArray())]));
        n2.Campaign();
        Assert.Equal(7, n2.Promised);
        Stabilize(n2, n3);

        Assert.Equal(ConsensusRole.Leader, n2.Status.Role);
        var log = Enumerable.Range(1, (int)n2.Log.LastIndex).Select(i => n2.Log.Entry(i)).ToArray();
        Assert.Equal(["7/1 \"y\"", "7/2 noop", "7/3 \"z\"", "7/4 noop"], log.Select(e => e.ToString()));
        Assert.Equal(4, n2.Status.Commit);
        Assert.Equal(4, n3.Status.Commit);
        Assert.Equal("y", System.Text.Encoding.ASCII.GetString(n3.Log.Entry(1).Data.Span));
    }

    [Fact]
    public void A_lagging_acceptor_catches_up_from_its_match()
    {
        var n1 = Node(1);
        var n2 = Node(2);
        var n3 = Node(3);
        n1.Campaign();
        Stabilize(n1, n2);
        for (var i = 0; i < 5; i++)
        {
            n1.Propose(new[] { (byte)i });
            Stabilize(n1, n2);
        }

        Assert.Equal(0, n3.Status.LastIndex);
        n1.Tick(); n1.Tick(); // a heartbeat round reaches the lagging node
        Stabilize(n1, n2, n3);
        Assert.Equal(n1.Status.Commit, n3.Status.Commit);
        Assert.Equal(6, n3.Match);
    }

    [Fact]
    public void Membership_changes_and_transfers_are_refused()
    {
        var n = Node(1);
        Assert.False(n.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.AddLearner, new NodeId(4))).Accepted);
        Assert.False(n.TransferLeadership(new NodeId(2)));
    }
}
