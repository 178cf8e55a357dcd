using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

using static UltimateConsensus.Tests.Raft.RaftElectionTests;

namespace UltimateConsensus.Tests.Raft;

/// <summary>
/// The memory bounds of a node, after etcd's MaxUncommittedEntriesSize (maxUncommittedBytes) and MaxCommittedSizePerReady
/// (maxCommittedBytesPerReady).
/// </summary>
public sealed class RaftFlowLimitTests
{
    private static NodeId N(int i) => new(i);

    private static byte[] Bytes(int size, byte fill = 7) => Enumerable.Repeat(fill, size).ToArray();

    // ---------------------------------------------------------------- maxUncommittedBytes

    [Fact]
    public void PartitionedLeaderStopsAcceptingAtTheCapAndAcceptsAgainOnceItCommits()
    {
        var cluster = new TestCluster(3, Plain with { MaxUncommittedBytes = 100 });
        var leader = cluster.Elect(1);
        Assert.Equal(0, leader.UncommittedBytes); // the no-op is committed and weighs nothing
        cluster.Isolated.Add(N(1));

        Assert.True(leader.Propose(Bytes(40)).Accepted);
        Assert.True(leader.Propose(Bytes(40)).Accepted);
        Assert.Equal(80, leader.UncommittedBytes);
        var refused = leader.Propose(Bytes(40));
        Assert.False(refused.Accepted);
        Assert.Equal(N(1), refused.LeaderHint);
        Assert.Contains("maxUncommittedBytes", refused.Reason);
        Assert.True(leader.Propose(Bytes(20)).Accepted); // exactly at the cap still fits
        Assert.False(leader.Propose(Bytes(1)).Accepted);
        Assert.True(leader.Propose(ReadOnlyMemory<byte>.Empty).Accepted); // an empty entry always goes in
        cluster.Tick(5);
        Assert.Equal(1, leader.Status.Commit);
        Assert.False(leader.Propose(Bytes(1)).Accepted); // still partitioned: still full
        var lastBeforeHeal = leader.Status.LastIndex;

        cluster.Isolated.Clear();
        cluster.Tick(3);
        Assert.Equal(lastBeforeHeal, leader.Status.Commit);
        Assert.Equal(0, leader.UncommittedBytes);
        Assert.True(leader.Propose(Bytes(40)).Accepted);
        Assert.True(leader.Propose(Bytes(60)).Accepted);
        cluster.Stabilize();
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(lastBeforeHeal + 2, n.Status.Commit));
    }

    [Fact]
    public void FirstProposalWithNothingUncommittedIsAcceptedWhateverItsSize()
    {
        var cluster = new TestCluster(3, Plain with { MaxUncommittedBytes = 100 });
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(1));
        Assert.True(leader.Propose(Bytes(500)).Accepted);
        Assert.Equal(500, leader.UncommittedBytes);
        Assert.False(leader.Propose(Bytes(1)).Accepted);
    }

    [Fact]
    public void CommittedEntriesFreeTheirRoomAsTheCommitIndexAdvances()
    {
        var cluster = new TestCluster(3, Plain with { MaxUncommittedBytes = 100 });
        var leader = cluster.Elect(1);
        for (var round = 0; round < 20; round++)
        {
            Assert.True(leader.Propose(Bytes(50)).Accepted);
            Assert.True(leader.Propose(Bytes(50)).Accepted);
            Assert.False(leader.Propose(Bytes(50)).Accepted);
            cluster.Stabilize();
            Assert.Equal(0, leader.UncommittedBytes);
        }

        Assert.All(cluster.Nodes.Values, n => Assert.Equal(41, n.Status.Commit));
    }

    [Fact]
    public void SingleVoterCommitsAtOnceAndNeverFillsUp()
    {
        var cluster = new TestCluster(1, Plain with { MaxUncommittedBytes = 10 });
        var leader = cluster.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(leader.Propose(Bytes(8)).Accepted);
            Assert.Equal(0, leader.UncommittedBytes);
        }

        Assert.Equal(11, leader.Status.Commit);
    }

    [Fact]
    public void MembershipChangesCountTowardsTheCap()
    {
        var cluster = new TestCluster(3, Plain with { MaxUncommittedBytes = 10 });
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(3));
        cluster.Drop = m => m is AppendResponse; // nothing commits from here on
        Assert.True(leader.Propose(Bytes(10)).Accepted);
        var refused = leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.AddLearner, N(4)));
        Assert.False(refused.Accepted);
        Assert.Contains("maxUncommittedBytes", refused.Reason);
    }

    [Fact]
    public void NewLeaderCountsTheUncommittedEntriesOfEarlierTerms()
    {
        var cluster = new TestCluster(3, Plain with { MaxUncommittedBytes = 100 });
        var first = cluster.Elect(1);
        cluster.Drop = m => m is AppendResponse; // the followers get the entries; the leader never learns it
        Assert.True(first.Propose(Bytes(30)).Accepted);
        Assert.True(first.Propose(Bytes(30)).Accepted);
        cluster.Stabilize();
        Assert.Equal(1, first.Status.Commit);
        Assert.Equal(3, cluster[2].Status.LastIndex);

        // Node 2 wins, but its appends are lost: its log holds 60 uncommitted payload bytes of term 1.
        cluster.Drop = m => m is AppendRequest && m.From == N(2);
        var second = cluster.Elect(2);
        Assert.Equal(60, second.UncommittedBytes);
        Assert.Equal(0, first.UncommittedBytes); // stepped down
        Assert.True(second.Propose(Bytes(40)).Accepted);
        Assert.False(second.Propose(Bytes(1)).Accepted);

        cluster.Drop = _ => false;
        cluster.Tick(3);
        Assert.Equal(second.Status.LastIndex, second.Status.Commit);
        Assert.Equal(0, second.UncommittedBytes);
        Assert.True(second.Propose(Bytes(100)).Accepted);
    }

    // ---------------------------------------------------------------- maxCommittedBytesPerReady

    [Fact]
    public void CommittedEntriesAreHandedOutInReadiesOfBoundedSize()
    {
        // Entries of 10 payload bytes weigh 27 (LogEntry.Size): 3 fit in 100 bytes, 4 do not.
        const long cap = 100;
        var cluster = new TestCluster(3, Plain with { MaxCommittedBytesPerReady = cap });
        var leader = cluster.Elect(1);
        cluster.Drop = m => m is AppendResponse;
        for (var i = 0; i < 10; i++)
        {
            Assert.True(leader.Propose(Bytes(10, (byte)i)).Accepted);
        }

        cluster.Stabilize();
        cluster.Drop = _ => false;
        cluster.Readies.Clear();
        cluster.Tick(3); // the next heartbeat round brings the acknowledgements: 10 entries commit at once
        Assert.Equal(11, leader.Status.Commit);

        foreach (var id in cluster.Nodes.Keys)
        {
            var batches = cluster.Readies.Where(r => r.Node == id && r.Ready.CommittedEntries.Count > 0).Select(r => r.Ready.CommittedEntries).ToList();
            Assert.All(batches, b => Assert.True(b.Count == 1 || b.Sum(e => (long)e.Size) <= cap, $"{id}: a Ready handed out {b.Sum(e => e.Size)} bytes"));
            Assert.Contains(batches, b => b.Count == 3);
            Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), cluster.Applied[id].Select(e => e.Index));
        }
    }

    [Fact]
    public void AnEntryLargerThanTheCapStillGoesOutAlone()
    {
        var node = Node(1, voters: 1, options: Plain with { MaxCommittedBytesPerReady = 50 });
        node.Hup();
        Drain(node);
        Assert.True(node.Propose(Bytes(200)).Accepted);
        Assert.True(node.Propose(Bytes(200)).Accepted);
        Assert.Equal(3, node.Status.Commit);

        var first = node.GetReady();
        Assert.Equal(2, Assert.Single(first.CommittedEntries).Index);
        node.Advance(first);
        Assert.True(node.HasReady);
        Assert.Equal(2, node.Status.Applied);
        var second = node.GetReady();
        Assert.Equal(3, Assert.Single(second.CommittedEntries).Index);
        node.Advance(second);
        Assert.False(node.HasReady);
    }

    [Fact]
    public void RestartedNodeReappliesItsLogInBoundedReadies()
    {
        var cluster = new TestCluster(3, Plain with { MaxCommittedBytesPerReady = 200 }, segmentBytes: 1 << 20);
        cluster.Elect(1);
        for (var i = 0; i < 30; i++)
        {
            Assert.True(cluster.Propose("command-" + i).Accepted);
        }

        cluster.Stabilize();
        cluster.Tick(2); // followers learn the final commit index
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(31, n.Status.Commit));

        cluster.Readies.Clear();
        var restarted = cluster.Restart(2);
        cluster.Tick(3);
        var batches = cluster.Readies.Where(r => r.Node == N(2) && r.Ready.CommittedEntries.Count > 0).Select(r => r.Ready.CommittedEntries).ToList();
        Assert.True(batches.Count > 3, $"{batches.Count} Readies");
        Assert.All(batches, b => Assert.True(b.Sum(e => (long)e.Size) <= 200));
        Assert.Equal(Enumerable.Range(1, 31).Select(i => (long)i), cluster.Applied[N(2)].Select(e => e.Index));
        Assert.Equal(31, restarted.Status.Applied);
    }

    // ---------------------------------------------------------------- options

    [Fact]
    public void OptionsNameTheirRange()
    {
        var errors = new RaftStrategy().ValidateOptions(StrategyTests.Config(("maxUncommittedBytes", "0"), ("maxCommittedBytesPerReady", "-1")));
        Assert.Contains(errors, e => e.Contains("'maxUncommittedBytes'") && e.Contains("1..1099511627776"));
        Assert.Contains(errors, e => e.Contains("'maxCommittedBytesPerReady'") && e.Contains("1..1099511627776"));

        var options = RaftOptions.ReadValid(StrategyTests.Config(("maxUncommittedBytes", "4096"), ("maxCommittedBytesPerReady", "8192")));
        Assert.Equal((4096L, 8192L), (options.MaxUncommittedBytes, options.MaxCommittedBytesPerReady));
        Assert.Equal((64L << 20, 64L << 20), (new RaftOptions().MaxUncommittedBytes, new RaftOptions().MaxCommittedBytesPerReady));
    }

    private static void Drain(RaftNode node)
    {
        while (node.HasReady)
        {
            node.Advance(node.GetReady());
        }
    }
}
