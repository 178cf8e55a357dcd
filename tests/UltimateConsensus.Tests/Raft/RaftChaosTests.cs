using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Raft;

/// <summary>Randomized runs with lost and duplicated messages and partitions, checking Raft's safety properties throughout.</summary>
public sealed class RaftChaosTests
{
    public static TheoryData<int, bool> Runs()
    {
        var data = new TheoryData<int, bool>();
        for (var seed = 1; seed <= 12; seed++)
        {
            data.Add(seed, seed % 2 == 0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void SafetyHoldsUnderLossDuplicationAndPartitions(int seed, bool preVote)
    {
        var options = new RaftOptions
        {
            HeartbeatIntervalTicks = 1,
            PreVote = preVote,
            CheckQuorum = preVote,
            MaxInflightAppends = 4,
            MaxBytesPerMessage = 200,
        };
        var cluster = new TestCluster(5, options, seed);
        var rng = new Random(seed);
        cluster.Drop = _ => rng.Next(10) == 0;
        cluster.Duplicate = _ => rng.Next(20) == 0;
        var leaders = new Dictionary<long, NodeId>();
        var committed = new List<long>(); // term of each committed index
        for (var step = 0; step < 600; step++)
        {
            if (step % 80 == 0)
            {
                cluster.Isolated.Clear();
                if (rng.Next(2) == 0)
                {
                    cluster.Isolated.Add(new NodeId(1 + rng.Next(5)));
                    cluster.Isolated.Add(new NodeId(1 + rng.Next(5)));
                }
            }

            if (step % 50 == 0 && cluster.Leader is { } l && rng.Next(3) == 0)
            {
                l.Compact(l.Status.Applied - 1 > l.Log.SnapshotIndex ? l.Status.Applied - 1 : l.Log.SnapshotIndex, new byte[] { 1 });
            }

            cluster.Leader?.Propose(new byte[1 + rng.Next(60)]);
            cluster.Tick();
            foreach (var n in cluster.Nodes.Values)
            {
                if (n.Status.Role == ConsensusRole.Leader)
                {
                    Assert.Equal(n.Id, leaders.TryGetValue(n.Term, out var known) ? known : leaders[n.Term] = n.Id);
                }

                for (var i = Math.Max(1, n.Log.FirstIndex); i <= n.Status.Commit; i++)
                {
                    if (i <= committed.Count)
                    {
                        Assert.Equal(committed[(int)i - 1], n.Log.Term(i));
                    }
                    else if (i == committed.Count + 1)
                    {
                        committed.Add(n.Log.Term(i));
                    }
                }
            }
        }

        // Heal and check that everyone converges.
        cluster.Isolated.Clear();
        cluster.Drop = _ => false;
        cluster.Duplicate = _ => false;
        var leader = cluster.TickUntilLeader();
        leader.Propose(new byte[] { 42 });
        cluster.Tick(40);
        leader = cluster.Leader!;
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(leader.Status.Commit, n.Status.Commit));
        Assert.True(committed.Count > 50, $"only {committed.Count} committed");
        foreach (var a in cluster.Applied)
        {
            // Whatever each node applied (after its last snapshot install) agrees with the committed terms.
            Assert.All(a.Value.Where(e => e.Index <= committed.Count), e => Assert.Equal(committed[(int)e.Index - 1], e.Term));
            Assert.Equal(leader.Status.Commit, a.Value.Count == 0 ? cluster.Nodes[a.Key].Log.SnapshotIndex : a.Value[^1].Index);
        }
    }
}
