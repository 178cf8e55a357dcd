using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

using static UltimateConsensus.Tests.Raft.RaftElectionTests;

namespace UltimateConsensus.Tests.Raft;

/// <summary>ReadIndex and lease reads, leadership transfer, membership changes with learners, snapshots.</summary>
public sealed class RaftFeatureTests
{
    private static NodeId N(int i) => new(i);

    private static byte[] Ctx(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    // ---------------------------------------------------------------- reads

    [Fact]
    public void LeaderReadIndexNeedsAHeartbeatRoundAndWritesNothing()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Propose("a");
        cluster.Stabilize();
        var last = leader.Status.LastIndex;

        Assert.True(leader.ReadIndex(Ctx("r1")));
        var ready = cluster.TakeReady(leader);
        Assert.Empty(ready.ReadStates); // not before a quorum confirmed leadership
        Assert.Equal(2, ready.Messages.OfType<Heartbeat>().Count());
        cluster.Deliver(ready.Messages);
        cluster.Stabilize();
        var read = Assert.Single(cluster.ReadStates[N(1)]);
        Assert.Equal((leader.Status.Commit, "r1"), (read.Index, System.Text.Encoding.UTF8.GetString(read.Context.Span)));
        Assert.Equal(last, leader.Status.LastIndex);
    }

    [Fact]
    public void FollowerReadIndexIsForwardedToTheLeader()
    {
        var cluster = new TestCluster(3, Plain);
        cluster.Elect(1);
        cluster.Propose("a");
        cluster.Stabilize();
        Assert.True(cluster[2].ReadIndex(Ctx("f")));
        cluster.Stabilize();
        var read = Assert.Single(cluster.ReadStates[N(2)]);
        Assert.Equal(cluster[1].Status.Commit, read.Index);
    }

    [Fact]
    public void NodeWithoutALeaderRefusesReads()
    {
        Assert.False(Node(2).ReadIndex(Ctx("x")));
    }

    [Fact]
    public void IsolatedLeaderNeverAnswersAReadIndex()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(1));
        Assert.True(leader.ReadIndex(Ctx("stale")));
        cluster.Tick(50);
        Assert.Empty(cluster.ReadStates[N(1)]);
    }

    [Fact]
    public void ReadsWaitUntilTheLeaderCommittedAnEntryOfItsTerm()
    {
        var cluster = new TestCluster(3, Plain);
        cluster.Drop = m => m is AppendResponse;
        var leader = cluster.Elect(1);
        Assert.Equal(0, leader.Status.Commit); // its noop is not acknowledged yet

        Assert.True(leader.ReadIndex(Ctx("early")));
        cluster.Stabilize();
        Assert.Empty(cluster.ReadStates[N(1)]);

        cluster.Drop = _ => false;
        cluster.Tick(2);
        var read = Assert.Single(cluster.ReadStates[N(1)]);
        Assert.Equal(1, read.Index);
        Assert.Equal(leader.Term, leader.Log.Term(read.Index));
    }

    [Fact]
    public void LeaseReadsAnswerWithoutAHeartbeatRoundWhileTheLeaseHolds()
    {
        var options = new RaftOptions { LeaseReads = true, CheckQuorum = true, PreVote = true, HeartbeatIntervalTicks = 1, ElectionTimeoutMinTicks = 10, ElectionTimeoutMaxTicks = 20 };
        var cluster = new TestCluster(3, options);
        cluster.Tick(options.ElectionTimeoutMinTicks); // restarted voters wait out a lease before voting
        var leader = cluster.Elect(1);
        cluster.Tick(2); // a heartbeat round acknowledged by a quorum starts the lease

        Assert.True(leader.ReadIndex(Ctx("lease")));
        var ready = cluster.TakeReady(leader);
        Assert.Single(ready.ReadStates);
        Assert.Empty(ready.Messages.OfType<Heartbeat>());

        // Without acknowledgements the lease runs out and reads fall back to a heartbeat round.
        cluster.Isolated.Add(N(1));
        cluster.Tick(options.ElectionTimeoutMinTicks - 1);
        cluster.ReadStates[N(1)].Clear();
        if (leader.Status.Role == ConsensusRole.Leader)
        {
            leader.ReadIndex(Ctx("late"));
            cluster.Stabilize();
            Assert.Empty(cluster.ReadStates[N(1)]);
        }
    }

    // ---------------------------------------------------------------- transfer

    [Fact]
    public void LeadershipTransferToAnUpToDateFollower()
    {
        var cluster = new TestCluster(3, new RaftOptions { HeartbeatIntervalTicks = 1 });
        cluster.Tick(1);
        var leader = cluster.Elect(1);
        var term = leader.Term;
        Assert.True(leader.TransferLeadership(N(3)));
        cluster.Stabilize();
        Assert.Equal(ConsensusRole.Leader, cluster[3].Status.Role);
        Assert.Equal(term + 1, cluster[3].Term);
        Assert.Equal(ConsensusRole.Follower, leader.Status.Role);
        Assert.DoesNotContain(cluster.Sent.OfType<VoteRequest>(), v => v.From == N(3) && v.PreVote);
    }

    [Fact]
    public void LeadershipTransferCatchesTheTargetUpFirstAndBlocksProposals()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(3));
        for (var i = 0; i < 5; i++)
        {
            cluster.Propose("p" + i);
        }

        cluster.Stabilize();
        Assert.True(leader.TransferLeadership(N(3)));
        Assert.False(leader.Propose(new byte[] { 1 }).Accepted);
        Assert.Empty(cluster.Sent.OfType<TimeoutNow>());

        cluster.Isolated.Clear();
        cluster.Tick(2);
        var timeout = Assert.Single(cluster.Sent.OfType<TimeoutNow>());
        Assert.Equal(N(3), timeout.To);
        Assert.Equal(ConsensusRole.Leader, cluster[3].Status.Role);
        Assert.Equal((7L, 7L), (cluster[3].Status.Commit, cluster[3].Status.LastIndex)); // noop, five proposals, its own noop
    }

    [Fact]
    public void LeadershipTransferIsAbandonedAfterAnElectionTimeout()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(3));
        cluster.Propose("x");
        cluster.Stabilize();
        Assert.True(leader.TransferLeadership(N(3)));
        cluster.Tick(Plain.ElectionTimeoutMinTicks);
        Assert.True(leader.LeadTransferee.IsNone);
        Assert.True(leader.Propose(new byte[] { 1 }).Accepted);
    }

    [Fact]
    public void TransferRequiresALeaderAndAVoter()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        Assert.False(cluster[2].TransferLeadership(N(3)));
        Assert.False(leader.TransferLeadership(N(1)));
        Assert.False(leader.TransferLeadership(N(9)));
    }

    // ---------------------------------------------------------------- membership

    [Fact]
    public void LearnerCatchesUpWithoutVotingThenIsPromoted()
    {
        var options = Plain with { LearnerCatchUpEntries = 2 };
        var cluster = new TestCluster(3, options);
        var leader = cluster.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            cluster.Propose("v" + i);
        }

        cluster.Stabilize();
        var learner = cluster.Start(N(4), cluster.Membership);
        cluster.Isolated.Add(N(4));
        Assert.True(leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.AddLearner, N(4))).Accepted);
        Assert.Equal([N(4)], leader.Status.Membership.Learners);
        cluster.Stabilize();

        // A second change waits for the first to commit; a lagging learner is not promoted.
        var refused = leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.AddVoter, N(4)));
        Assert.False(refused.Accepted);
        Assert.Contains("not caught up", refused.Reason);

        cluster.Isolated.Clear();
        cluster.Tick(2);
        Assert.Equal(ConsensusRole.Learner, learner.Status.Role);
        Assert.Equal(leader.Status.Commit, learner.Status.Commit);
        learner.Hup();
        Assert.Equal(ConsensusRole.Learner, learner.Status.Role); // learners never campaign

        Assert.True(leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.AddVoter, N(4))).Accepted);
        Assert.False(leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.Remove, N(2))).Accepted); // one at a time
        cluster.Stabilize();
        Assert.Equal(4, learner.Status.Membership.Voters.Count);
        Assert.Equal(ConsensusRole.Follower, learner.Status.Role);

        // Quorum is now 3 of 4: with two nodes cut off nothing commits.
        cluster.Isolated.Add(N(3));
        cluster.Isolated.Add(N(4));
        var commit = leader.Status.Commit;
        cluster.Propose("needs three");
        cluster.Stabilize();
        Assert.Equal(commit, leader.Status.Commit);
    }

    [Fact]
    public void AddingAVoterThatIsNotAMemberIsRefused()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        var result = leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.AddVoter, N(7)));
        Assert.False(result.Accepted);
        Assert.Contains("learner first", result.Reason);
    }

    [Fact]
    public void RemovedLeaderStepsDownOnceTheChangeCommits()
    {
        var cluster = new TestCluster(3, new RaftOptions { HeartbeatIntervalTicks = 1 });
        cluster.Tick(1);
        var leader = cluster.Elect(1);
        Assert.True(leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.Remove, N(1))).Accepted);
        cluster.Stabilize();
        Assert.NotEqual(ConsensusRole.Leader, leader.Status.Role);
        cluster.Isolated.Add(N(1));
        var next = cluster.TickUntilLeader();
        Assert.NotEqual(N(1), next.Id);
        Assert.Equal([N(2), N(3)], next.Status.Membership.Voters);
        Assert.True(next.Propose(new byte[] { 1 }).Accepted);
    }

    [Fact]
    public void RemovingAFollowerShrinksTheQuorum()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        Assert.True(leader.ProposeMembershipChange(new MembershipChange(MembershipChangeKind.Remove, N(3))).Accepted);
        cluster.Stabilize();
        cluster.Isolated.Add(N(3));
        cluster.Propose("two of two");
        cluster.Stabilize();
        Assert.Equal(leader.Status.LastIndex, cluster[2].Status.Commit);
        Assert.False(leader.ProgressOf.ContainsKey(N(3)));
    }

    [Fact]
    public void TruncatedMembershipEntryIsUndone()
    {
        var node = Node(2);
        var withFour = new Membership([N(1), N(2), N(3)], [N(4)]);
        node.Step(new AppendRequest(N(1), N(2), 1, 0, 0, 0, [new LogEntry(1, 1, EntryKind.Membership, withFour.Encode())]));
        Assert.Equal(withFour, node.Status.Membership);
        node.Step(new AppendRequest(N(3), N(2), 2, 0, 0, 0, [new LogEntry(1, 2, EntryKind.Noop, ReadOnlyMemory<byte>.Empty)]));
        Assert.Equal(3, node.Status.Membership.Voters.Count);
        Assert.Empty(node.Status.Membership.Learners);
    }

    // ---------------------------------------------------------------- snapshots

    [Fact]
    public void LaggingFollowerReceivesASnapshotAndCatchesUp()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(3));
        for (var i = 0; i < 20; i++)
        {
            cluster.Propose("s" + i);
        }

        cluster.Stabilize();
        var snapshot = leader.CreateSnapshot(15, Ctx("state@15"));
        leader.Compact(15, Ctx("state@15"));
        Assert.Equal(16, leader.Log.FirstIndex);
        Assert.Equal(snapshot.Membership, leader.Status.Membership);

        cluster.Isolated.Clear();
        cluster.Tick(3);
        var install = Assert.Single(cluster.Readies, r => r.Node == N(3) && r.Ready.Snapshot is not null).Ready;
        Assert.Equal(15, install.Snapshot!.Index);
        Assert.Equal("state@15", System.Text.Encoding.UTF8.GetString(install.Snapshot.Data.Span));
        Assert.Equal(cluster.Membership, install.Snapshot.Membership);
        Assert.Equal(leader.Status.LastIndex, cluster[3].Status.LastIndex);
        Assert.Equal(leader.Status.Commit, cluster[3].Status.Commit);
        Assert.Equal(Enumerable.Range(16, 6).Select(i => (long)i), cluster.Applied[N(3)].Select(e => e.Index));
    }

    [Fact]
    public void CompactionKeepsEntriesAfterTheSnapshot()
    {
        var cluster = new TestCluster(1, Plain);
        var leader = cluster.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            cluster.Propose("c" + i);
        }

        cluster.Stabilize();
        leader.Compact(5, Ctx("s"));
        Assert.Equal(6, leader.Log.FirstIndex);
        Assert.Equal(11, leader.Status.LastIndex);
        Assert.Throws<ArgumentOutOfRangeException>(() => leader.Compact(leader.Status.LastIndex + 1, Ctx("s")));
    }
}
