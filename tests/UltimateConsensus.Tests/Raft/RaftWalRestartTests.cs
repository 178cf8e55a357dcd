using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Raft;

/// <summary>A three-node cluster over write-ahead logs whose unsynced tails are torn on every crash.</summary>
public sealed class RaftWalRestartTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 20)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RestartsOverTornLogsLoseNoCommittedEntry(int seed)
    {
        var options = new RaftOptions { HeartbeatIntervalTicks = 1 };
        var cluster = new TestCluster(3, options, seed, segmentBytes: 512);
        var rng = new Random(seed * 7919);
        var committed = new Dictionary<long, (long Term, string Data)>();
        var proposals = 0;
        for (var step = 0; step < 300; step++)
        {
            if (cluster.Leader is { } leader && rng.Next(2) == 0)
            {
                leader.Propose(System.Text.Encoding.UTF8.GetBytes($"cmd{proposals++}"));
            }

            if (step % 20 == 19)
            {
                // Crash a random node in the middle of things: its WAL loses what was not synced, with a torn tail.
                var victim = 1 + rng.Next(3);
                var node = cluster[victim];
                for (var i = 0; i < 3; i++)
                {
                    node.Propose(new byte[40]); // unsynced work, if it leads
                }

                cluster.Restart(victim, rng);
            }

            cluster.Tick();
            foreach (var n in cluster.Nodes.Values)
            {
                for (var i = 1; i <= n.Status.Commit; i++)
                {
                    if (i < n.Log.FirstIndex)
                    {
                        continue;
                    }

                    var e = n.Log.Entry(i);
                    var data = Convert.ToHexString(e.Data.Span);
                    if (committed.TryGetValue(i, out var known))
                    {
                        Assert.Equal(known, (e.Term, data));
                    }
                    else
                    {
                        committed[i] = (e.Term, data);
                    }
                }
            }
        }

        var final = cluster.TickUntilLeader();
        cluster.Tick(5);
        Assert.True(committed.Count > 20, $"only {committed.Count} entries committed");
        Assert.True(Enumerable.Range(1, 3).Sum(i => cluster.Directory(i).Truncations) > 0, "no torn tail was exercised");
        foreach (var n in cluster.Nodes.Values)
        {
            foreach (var (index, (term, data)) in committed)
            {
                if (index <= n.Status.LastIndex && index >= n.Log.FirstIndex)
                {
                    Assert.Equal((term, data), (n.Log.Entry(index).Term, Convert.ToHexString(n.Log.Entry(index).Data.Span)));
                }
            }
        }

        Assert.True(final.Status.LastIndex >= committed.Keys.Max());
    }

    [Fact]
    public void RestartedNodeRecoversTermVoteAndLog()
    {
        var cluster = new TestCluster(3, new RaftOptions { HeartbeatIntervalTicks = 1 });
        cluster.Tick(1);
        var leader = cluster.Elect(1);
        for (var i = 0; i < 10; i++)
        {
            cluster.Propose("r" + i);
        }

        cluster.Stabilize();
        var before = cluster[2];
        var restarted = cluster.Restart(2);
        Assert.Equal(before.Term, restarted.Term);
        Assert.Equal(before.Vote, restarted.Vote);
        Assert.Equal(before.Status.LastIndex, restarted.Status.LastIndex);
        // A commit index alone is not forced to disk (a Ready that only advances it has MustSync false, as in etcd-io/raft):
        // the restarted node may know less, never more, and learns the rest from the leader.
        Assert.InRange(restarted.Status.Commit, 1, before.Status.Commit);
        cluster.Tick(2);
        Assert.Equal(leader.Status.Commit, restarted.Status.Commit);
        Assert.Equal(leader.Status.LastIndex, restarted.Status.LastIndex);
    }
}
