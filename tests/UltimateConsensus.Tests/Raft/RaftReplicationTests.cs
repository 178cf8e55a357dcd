using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

using static UltimateConsensus.Tests.Raft.RaftElectionTests;

namespace UltimateConsensus.Tests.Raft;

/// <summary>Raft paper §5.3–5.4 (log replication, commit rule, Figure 8), flow control and batching.</summary>
public sealed class RaftReplicationTests
{
    private static NodeId N(int i) => new(i);

    [Fact]
    public void NewLeaderAppendsANoopAndReplicatesIt()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        var noop = leader.Log.Entry(1);
        Assert.Equal((EntryKind.Noop, 1L), (noop.Kind, noop.Term));
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(1, n.Status.Commit));
    }

    [Fact]
    public void ProposalsCommitOnAMajorityAndAreAppliedEverywhere()
    {
        var cluster = new TestCluster(3, Plain);
        cluster.Elect(1);
        cluster.Isolated.Add(N(3));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(cluster.Propose("x" + i).Accepted);
        }

        cluster.Stabilize();
        Assert.Equal(6, cluster[1].Status.Commit); // leader + n2 is a majority
        Assert.Equal(6, cluster.Applied[N(1)].Count);
        Assert.Equal(1, cluster[3].Status.LastIndex);

        cluster.Isolated.Clear();
        cluster.Tick(3);
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(6, n.Status.Commit));
        var expected = cluster.Applied[N(1)].Select(e => (e.Index, e.Term)).ToList();
        Assert.All(cluster.Applied.Values, a => Assert.Equal(expected, a.Select(e => (e.Index, e.Term))));
    }

    [Fact]
    public void FollowerRefusesProposals()
    {
        var cluster = new TestCluster(3, Plain);
        cluster.Elect(1);
        var result = cluster[2].Propose(new byte[] { 1 });
        Assert.False(result.Accepted);
        Assert.Equal(N(1), result.LeaderHint);
    }

    [Fact]
    public void LeaderOnlyCommitsEntriesOfItsOwnTermByCounting()
    {
        // Figure 8: entry 2 (term 2) on a majority must not be committed by the term-4 leader until an entry of term 4 is.
        var node = Node(1, recovered: Recovered(3, 1, 2));
        node.Hup();
        node.Step(new VoteResponse(N(2), N(1), 4, false, true));
        Assert.Equal(ConsensusRole.Leader, node.Status.Role);
        node.GetReady();
        Assert.Equal(3, node.Status.LastIndex); // the noop of term 4

        node.Step(new AppendResponse(N(2), N(1), 4, true, 2, 0, 0));
        Assert.Equal(0, node.Status.Commit);
        node.Step(new AppendResponse(N(2), N(1), 4, true, 3, 0, 0));
        Assert.Equal(3, node.Status.Commit);
    }

    [Fact]
    public void Figure8ScenarioNeverLosesACommittedEntry()
    {
        // Five nodes; leaders of successive terms are partitioned after replicating to a minority; whatever was committed
        // must stay in every later leader's log.
        var cluster = new TestCluster(5, Plain);
        var committed = new List<(long Index, long Term)>();
        var rng = new Random(5);
        for (var round = 0; round < 30; round++)
        {
            var candidate = 1 + rng.Next(5);
            cluster.Isolated.Clear();
            if (cluster[candidate].Status.Role != ConsensusRole.Leader)
            {
                cluster[candidate].Hup();
                cluster.Stabilize();
            }

            if (cluster.Leader is not { } leader)
            {
                continue;
            }

            // Partition the leader with one follower, propose, let it replicate to that minority only.
            var buddy = cluster.Nodes.Keys.Where(k => k != leader.Id).ElementAt(rng.Next(4));
            foreach (var id in cluster.Nodes.Keys.Where(k => k != leader.Id && k != buddy))
            {
                cluster.Isolated.Add(id);
            }

            leader.Propose(new byte[] { (byte)round });
            cluster.Stabilize();
            foreach (var n in cluster.Nodes.Values)
            {
                for (var i = committed.Count + 1; i <= n.Status.Commit; i++)
                {
                    committed.Add((i, n.Log.Term(i)));
                }
            }

            cluster.Isolated.Clear();
            if (rng.Next(3) == 0)
            {
                cluster.Tick(2);
            }

            foreach (var n in cluster.Nodes.Values.Where(n => n.Status.Role == ConsensusRole.Leader))
            {
                foreach (var (index, term) in committed)
                {
                    Assert.Equal(term, n.Log.Term(index));
                }
            }
        }

        Assert.NotEmpty(committed);
    }

    [Fact]
    public void FollowerTruncatesAConflictingSuffix()
    {
        var node = Node(2, recovered: Recovered(3, 1, 2, 2, 2));
        node.Step(new AppendRequest(N(1), N(2), 3, 1, 1, 2, [new LogEntry(2, 3, EntryKind.Command, new byte[] { 9 })]));
        Assert.Equal(2, node.Status.LastIndex);
        Assert.Equal(3, node.Log.Term(2));
        Assert.Equal(2, node.Status.Commit);
        var ready = node.GetReady();
        Assert.Equal([2L], ready.Entries.Select(e => e.Index)); // storage replaces its suffix from index 2
        Assert.True(Assert.IsType<AppendResponse>(Assert.Single(ready.Messages)).Success);
    }

    [Fact]
    public void RejectionCarriesTheConflictHint()
    {
        // Follower log terms: 1 1 1 2 2 2 3 3 3 3 3; leader probes at (prev 11, term 6).
        var node = Node(2, recovered: Recovered(3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));
        node.Step(new AppendRequest(N(1), N(2), 7, 11, 6, 0, []));
        var reject = Assert.IsType<AppendResponse>(Assert.Single(node.GetReady().Messages));
        Assert.False(reject.Success);
        Assert.Equal((11L, 11L, 3L), (reject.Index, reject.HintIndex, reject.HintTerm));

        Assert.Equal((6L, 2L), node.Log.FindConflictByTerm(11, 2));
        Assert.Equal((3L, 1L), node.Log.FindConflictByTerm(11, 1));
        Assert.Equal((0L, 0L), node.Log.FindConflictByTerm(11, 0));
    }

    [Fact]
    public void FastBacktrackingSkipsWholeTerms()
    {
        // Leader (and n3) log terms 1 1 1 4 4 5 5 6 6 6; n2 has 1 1 1 2 2 2 3 3 3 3 3 (Figure 7 style).
        var leaderLog = Recovered(6, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
        var cluster = new TestCluster(3, Plain);
        cluster.Nodes[N(1)] = Node(1, recovered: leaderLog);
        cluster.Nodes[N(2)] = Node(2, recovered: Recovered(3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));
        cluster.Nodes[N(3)] = Node(3, recovered: leaderLog);
        var leader = cluster.Elect(1);
        cluster.Tick(2);

        var rejections = cluster.Sent.OfType<AppendResponse>().Count(a => a.From == N(2) && !a.Success);
        Assert.InRange(rejections, 1, 3); // one per conflicting term at most, not one per entry
        for (var i = 1; i <= leader.Status.LastIndex; i++)
        {
            Assert.Equal(leader.Log.Term(i), cluster[2].Log.Term(i));
        }

        Assert.Equal(leader.Status.LastIndex, cluster[2].Status.LastIndex);
    }

    [Fact]
    public void ProposalsBetweenTwoReadiesGoOutInOneAppendPerFollower()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        for (var i = 0; i < 50; i++)
        {
            leader.Propose(new byte[] { (byte)i });
        }

        var ready = cluster.TakeReady(leader);
        var appends = ready.Messages.OfType<AppendRequest>().ToList();
        Assert.Equal(2, appends.Count);
        Assert.All(appends, a => Assert.Equal(50, a.Entries.Count));
        Assert.Equal(50, ready.Entries.Count);
        cluster.Deliver(ready.Messages);
        cluster.Stabilize();
        Assert.Equal(51, leader.Status.Commit);
    }

    [Fact]
    public void InflightAppendsAndMessageBytesAreBounded()
    {
        var options = Plain with { MaxInflightAppends = 3, MaxBytesPerMessage = 100, MaxBatchEntries = 1000 };
        var cluster = new TestCluster(3, options);
        var leader = cluster.Elect(1);
        var outstanding = new List<AppendRequest>();
        for (var i = 0; i < 40; i++)
        {
            leader.Propose(new byte[30]); // 47 bytes each: two per message
            var ready = cluster.TakeReady(leader);
            outstanding.AddRange(ready.Messages.OfType<AppendRequest>().Where(a => a.To == N(2) && a.Entries.Count > 0));
        }

        Assert.Equal(3, outstanding.Count); // nothing acknowledged: the window is full
        Assert.All(outstanding, a => Assert.True(a.Entries.Sum(e => e.Size) <= 100 || a.Entries.Count == 1));

        // A single entry larger than the bound still goes, alone.
        leader.Propose(new byte[500]);
        cluster.Isolated.Clear();
        cluster.Deliver(outstanding);
        cluster.Stabilize();
        Assert.All(cluster.Sent.OfType<AppendRequest>(), a => Assert.True(a.Entries.Sum(e => e.Size) <= 100 || a.Entries.Count == 1));
        Assert.Contains(cluster.Sent.OfType<AppendRequest>(), a => a.Entries.Count == 1 && a.Entries[0].Data.Length == 500);
        cluster.Tick(3);
        Assert.Equal(leader.Status.LastIndex, cluster[2].Status.Commit);
    }

    [Fact]
    public void ProbeStateSendsOneAppendAtATime()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(2));
        cluster.Isolated.Add(N(3));
        leader.Propose(new byte[] { 1 });
        cluster.TakeReady(leader);
        leader.Step(new AppendResponse(N(2), N(1), leader.Term, false, 2, 1, leader.Term)); // n2 lost entry 2: back to probing
        Assert.Equal(ProgressState.Probe, leader.ProgressOf[N(2)].State);
        var before = cluster.Sent.Count;
        for (var i = 0; i < 10; i++)
        {
            leader.Propose(new byte[] { 1 });
            cluster.TakeReady(leader);
        }

        var toN2 = cluster.Sent.Skip(before).OfType<AppendRequest>().Where(a => a.To == N(2)).ToList();
        Assert.Equal(1, Assert.Single(toN2).PrevLogIndex); // the probe only, until n2 answers
        Assert.Equal(10, cluster.Sent.Skip(before).OfType<AppendRequest>().Count(a => a.To == N(3)));
    }
}
