using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Raft;

/// <summary>Raft paper §5.2 (leader election), §9.6 (pre-vote) and check-quorum, in the style of etcd's raft_paper_test.go.</summary>
public sealed class RaftElectionTests
{
    internal static readonly RaftOptions Plain = new() { PreVote = false, CheckQuorum = false, HeartbeatIntervalTicks = 1 };

    private static NodeId N(int i) => new(i);

    internal static RaftNode Node(int id, int voters = 3, RaftOptions? options = null, RecoveredState? recovered = null, int seed = 7) =>
        new(N(id), new Membership(Enumerable.Range(1, voters).Select(N)), recovered ?? RecoveredState.Empty, new Random(seed), options ?? Plain);

    internal static RecoveredState Recovered(long term, params long[] entryTerms) => new(
        new HardState(term, NodeId.None, 0).Encode(),
        null,
        entryTerms.Select((t, i) => new LogEntry(i + 1, t, EntryKind.Command, new byte[] { (byte)i })).ToArray());

    [Fact]
    public void FollowerStartsElectionAfterRandomizedTimeout()
    {
        var node = Node(1);
        var timeout = node.RandomizedElectionTimeout;
        for (var i = 0; i < timeout - 1; i++)
        {
            node.Tick();
        }

        Assert.Equal(ConsensusRole.Follower, node.Status.Role);
        node.Tick();
        Assert.Equal(ConsensusRole.Candidate, node.Status.Role);
        Assert.Equal(1, node.Term);
        Assert.Equal(N(1), node.Vote);
        var ready = node.GetReady();
        Assert.True(ready.MustSync);
        Assert.Equal(new HardState(1, N(1), 0), HardState.Decode(ready.HardState.Span));
        var requests = ready.Messages.Cast<VoteRequest>().ToList();
        Assert.Equal([N(2), N(3)], requests.Select(r => r.To));
        Assert.All(requests, r => Assert.Equal((1L, false), (r.Term, r.PreVote)));
    }

    [Fact]
    public void ElectionTimeoutIsRandomizedWithinBounds()
    {
        var options = Plain with { ElectionTimeoutMinTicks = 10, ElectionTimeoutMaxTicks = 20 };
        var seen = new HashSet<int>();
        for (var seed = 0; seed < 400; seed++)
        {
            var node = Node(1, options: options, seed: seed);
            seen.Add(node.RandomizedElectionTimeout);
        }

        Assert.All(seen, t => Assert.InRange(t, 10, 19));
        Assert.Equal(10, seen.Count); // every value of [min, max) occurs
    }

    [Theory]
    [InlineData(1, new[] { 1 }, ConsensusRole.Leader)]
    [InlineData(3, new[] { 1, 2 }, ConsensusRole.Leader)]
    [InlineData(3, new[] { 1, 2, 3 }, ConsensusRole.Leader)]
    [InlineData(3, new[] { 1 }, ConsensusRole.Candidate)]
    [InlineData(5, new[] { 1, 2, 3 }, ConsensusRole.Leader)]
    [InlineData(5, new[] { 1, 2 }, ConsensusRole.Candidate)]
    public void CandidateWinsWithAMajorityOfVotes(int size, int[] grants, ConsensusRole expected)
    {
        var node = Node(1, size);
        node.Hup();
        node.GetReady();
        foreach (var g in grants.Where(g => g != 1))
        {
            node.Step(new VoteResponse(N(g), N(1), 1, false, true));
        }

        Assert.Equal(expected, node.Status.Role);
        Assert.Equal(1, node.Term);
    }

    [Fact]
    public void CandidateLosesWithAMajorityOfRejections()
    {
        var node = Node(1, 3);
        node.Hup();
        node.Step(new VoteResponse(N(2), N(1), 1, false, false));
        node.Step(new VoteResponse(N(3), N(1), 1, false, false));
        Assert.Equal(ConsensusRole.Follower, node.Status.Role);
    }

    [Fact]
    public void FollowerVotesOncePerTermFirstComeFirstServed()
    {
        var node = Node(1);
        node.Step(new VoteRequest(N(2), N(1), 1, 0, 0, false, false));
        node.Step(new VoteRequest(N(3), N(1), 1, 0, 0, false, false));
        node.Step(new VoteRequest(N(2), N(1), 1, 0, 0, false, false)); // a duplicate is granted again
        var responses = node.GetReady().Messages.Cast<VoteResponse>().ToList();
        Assert.Equal([(N(2), true), (N(3), false), (N(2), true)], responses.Select(r => (r.To, r.Granted)));
        Assert.Equal(N(2), node.Vote);
    }

    [Theory]
    [InlineData(2, 2, true)] // same last term, same length
    [InlineData(3, 2, true)] // same last term, longer
    [InlineData(1, 2, false)] // same last term, shorter
    [InlineData(1, 3, true)] // higher last term
    [InlineData(5, 1, false)] // lower last term, longer
    public void VoterRefusesCandidatesWithLessUpToDateLogs(long lastIndex, long lastTerm, bool granted)
    {
        var node = Node(1, recovered: Recovered(2, 1, 2));
        node.Step(new VoteRequest(N(2), N(1), 3, lastIndex, lastTerm, false, false));
        var response = Assert.IsType<VoteResponse>(Assert.Single(node.GetReady().Messages));
        Assert.Equal(granted, response.Granted);
    }

    [Fact]
    public void AnyRoleStepsDownOnAHigherTerm()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        leader.Step(new AppendRequest(N(2), N(1), 5, 0, 0, 0, []));
        Assert.Equal((ConsensusRole.Follower, 5L, N(2)), (leader.Status.Role, leader.Term, leader.Status.Leader));

        var candidate = Node(1);
        candidate.Hup();
        candidate.Step(new Heartbeat(N(3), N(1), 4, 0, 0));
        Assert.Equal((ConsensusRole.Follower, 4L), (candidate.Status.Role, candidate.Term));
    }

    [Fact]
    public void CandidateFallsBackToALeaderOfItsTerm()
    {
        var node = Node(1);
        node.Hup();
        node.Step(new AppendRequest(N(2), N(1), 1, 0, 0, 0, []));
        Assert.Equal((ConsensusRole.Follower, N(2)), (node.Status.Role, node.Status.Leader));
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(5, 2)]
    [InlineData(5, 9)]
    public void ElectionsProduceOneLeaderPerTerm(int size, int seed)
    {
        var cluster = new TestCluster(size, new RaftOptions { HeartbeatIntervalTicks = 1 }, seed);
        var leadersByTerm = new Dictionary<long, HashSet<NodeId>>();
        var leader = cluster.TickUntilLeader();
        for (var i = 0; i < 300; i++)
        {
            if (i % 60 == 0)
            {
                // Isolate the current leader for a while so that others elect a new one.
                cluster.Isolated.Clear();
                cluster.Isolated.Add(cluster.Leader?.Id ?? leader.Id);
            }

            if (i % 60 == 40)
            {
                cluster.Isolated.Clear();
            }

            cluster.Tick();
            foreach (var n in cluster.Nodes.Values.Where(n => n.Status.Role == ConsensusRole.Leader))
            {
                if (!leadersByTerm.TryGetValue(n.Term, out var set))
                {
                    leadersByTerm[n.Term] = set = [];
                }

                set.Add(n.Id);
            }
        }

        Assert.True(leadersByTerm.Count >= 3, "several terms had leaders");
        Assert.All(leadersByTerm.Values, set => Assert.Single(set));
    }

    [Fact]
    public void PreVoteKeepsAPartitionedNodeFromDisruptingTheCluster()
    {
        var cluster = new TestCluster(3, new RaftOptions { PreVote = true, CheckQuorum = false, HeartbeatIntervalTicks = 1 });
        var leader = cluster.Elect(1);
        var term = leader.Term;
        cluster.Isolated.Add(N(3));
        cluster.Tick(200);
        Assert.Equal(term, cluster[3].Term); // pre-votes never raised its term
        Assert.Equal(ConsensusRole.PreCandidate, cluster[3].Status.Role);

        cluster.Isolated.Clear();
        cluster.Tick(5);
        Assert.Equal(ConsensusRole.Leader, leader.Status.Role);
        Assert.Equal(term, leader.Term);
        Assert.Equal((ConsensusRole.Follower, N(1)), (cluster[3].Status.Role, cluster[3].Status.Leader));
    }

    [Fact]
    public void WithoutPreVoteAPartitionedNodeDisruptsOnRejoin()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        var term = leader.Term;
        cluster.Isolated.Add(N(3));
        cluster.Tick(100);
        Assert.True(cluster[3].Term > term + 1);
        cluster.Isolated.Clear();
        cluster.Tick(100);
        Assert.True(cluster.Leader!.Term > term);
    }

    [Fact]
    public void CheckQuorumMakesAnIsolatedLeaderStepDown()
    {
        var options = new RaftOptions { CheckQuorum = true, PreVote = true, HeartbeatIntervalTicks = 1, ElectionTimeoutMinTicks = 10, ElectionTimeoutMaxTicks = 20 };
        var cluster = new TestCluster(3, options);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(1));
        cluster.Tick(options.ElectionTimeoutMinTicks * 2);
        Assert.Equal(ConsensusRole.Follower, leader.Status.Role);
        Assert.Contains(cluster.Nodes.Values, n => n.Id != N(1) && n.Status.Role == ConsensusRole.Leader);
    }

    [Fact]
    public void LeaderWithoutCheckQuorumStaysLeaderWhenIsolated()
    {
        var cluster = new TestCluster(3, Plain);
        var leader = cluster.Elect(1);
        cluster.Isolated.Add(N(1));
        cluster.Tick(100);
        Assert.Equal(ConsensusRole.Leader, leader.Status.Role);
    }

    [Fact]
    public void FollowerWithALiveLeaderIgnoresVotes()
    {
        var options = new RaftOptions { CheckQuorum = true, PreVote = false, HeartbeatIntervalTicks = 1 };
        var cluster = new TestCluster(3, options);
        cluster.Elect(1);
        var follower = cluster[2];
        var term = follower.Term;
        follower.Step(new VoteRequest(N(3), N(2), term + 1, 100, term, false, false));
        Assert.Equal(term, follower.Term);
        Assert.Empty(follower.GetReady().Messages.OfType<VoteResponse>());

        // A vote forced by a leadership transfer is not ignored.
        follower.Step(new VoteRequest(N(3), N(2), term + 1, 100, term, false, true));
        Assert.Equal(term + 1, follower.Term);
        Assert.True(follower.GetReady().Messages.OfType<VoteResponse>().Single().Granted);
    }

    [Fact]
    public void VoteGrantsNeverRunAheadOfTheirPersistence()
    {
        // The cluster checks every message against what the node persisted up to and including that Ready.
        var cluster = new TestCluster(5, new RaftOptions { HeartbeatIntervalTicks = 1 }, seed: 3);
        var rng = new Random(11);
        for (var i = 0; i < 400; i++)
        {
            if (i % 50 == 0)
            {
                cluster.Isolated.Clear();
                cluster.Isolated.Add(new NodeId(1 + rng.Next(5)));
            }

            cluster.Leader?.Propose(new byte[] { (byte)i });
            cluster.Tick();
        }

        var grants = cluster.Sent.OfType<VoteResponse>().Count(v => v.Granted && !v.PreVote);
        Assert.True(grants > 0);
    }
}
