using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>MIT 6.5840-style scenarios written against the <see cref="SimCluster"/> API, with the toy Raft.</summary>
public sealed class ClusterScenarioTests
{
    private static SimCluster NewCluster(int nodes = 3, long seed = 1) =>
        SimCluster.Create(new ToyRaftStrategy(), new SimulationOptions { Seed = seed, Nodes = nodes, SnapshotEvery = 20 });

    private static NodeId WaitLeader(SimCluster c, double seconds = 5)
    {
        Assert.True(c.RunUntil(x => !x.Leader().IsNone, TimeSpan.FromSeconds(seconds)), "a leader is elected");
        return c.Leader();
    }

    /// <summary>6.5840's one(): propose at the leader until a majority (or <paramref name="expected"/>) applied it.</summary>
    private static long One(SimCluster c, string command, int expected, double seconds = 5)
    {
        var bytes = Encoding.UTF8.GetBytes(command);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var leader = WaitLeader(c, seconds);
            var result = c.Propose(leader, bytes);
            if (!result.Accepted)
            {
                c.RunFor(TimeSpan.FromMilliseconds(100));
                continue;
            }

            if (c.RunUntil(x => x.CommittedCount(result.Index, out var data) >= expected && data.Span.SequenceEqual(bytes), TimeSpan.FromSeconds(seconds / 2)))
            {
                return result.Index;
            }
        }

        Assert.Fail($"'{command}' did not reach {expected} nodes");
        return 0;
    }

    [Fact]
    public void Initial_election_elects_one_leader_and_keeps_it()
    {
        var c = NewCluster();
        var leader = WaitLeader(c);
        var term = c.Status(leader)!.Term;
        c.RunFor(TimeSpan.FromSeconds(2));
        Assert.Equal(leader, c.Leader());
        Assert.Equal(term, c.Status(leader)!.Term);
        Assert.Empty(c.Violations);
    }

    [Fact]
    public void Reelection_after_the_leader_is_disconnected()
    {
        var c = NewCluster();
        var first = WaitLeader(c);
        c.Disconnect(first);
        Assert.True(c.RunUntil(x => x.Nodes.Any(n => n != first && x.Status(n)!.Role == ConsensusRole.Leader), TimeSpan.FromSeconds(5)));
        c.Connect(first);
        c.RunFor(TimeSpan.FromSeconds(1));
        var leaders = c.Nodes.Where(n => c.Status(n)!.Role == ConsensusRole.Leader).ToList();
        Assert.Single(leaders);
        Assert.Empty(c.Violations);
    }

    [Fact]
    public void No_leader_without_a_majority()
    {
        var c = NewCluster();
        var leader = WaitLeader(c);
        var others = c.Nodes.Where(n => n != leader).ToArray();
        c.Disconnect(leader);
        c.Disconnect(others[0]);
        c.RunFor(TimeSpan.FromSeconds(2));
        Assert.NotEqual(ConsensusRole.Leader, c.Status(others[1])!.Role);
    }

    [Fact]
    public void Basic_agreement_and_rpc_counts()
    {
        var c = NewCluster();
        WaitLeader(c);
        var sentBefore = c.TotalCounters.MessagesSent;
        for (var i = 0; i < 5; i++)
        {
            One(c, "cmd" + i, 3);
        }

        var rpcs = c.TotalCounters.MessagesSent - sentBefore;
        Assert.InRange(rpcs, 1, 200);
        var logs = c.Nodes.Select(n => c.AppliedEntries(n).Where(e => e.Kind == EntryKind.Command).Select(e => Encoding.UTF8.GetString(e.Data.Span)).ToArray()).ToList();
        Assert.All(logs, l => Assert.Equal(["cmd0", "cmd1", "cmd2", "cmd3", "cmd4"], l));
    }

    [Fact]
    public void Agreement_despite_follower_disconnection_and_rejoin()
    {
        var c = NewCluster();
        var leader = WaitLeader(c);
        var follower = c.Nodes.First(n => n != leader);
        One(c, "a", 3);
        c.Disconnect(follower);
        One(c, "b", 2);
        One(c, "c", 2);
        c.Connect(follower);
        One(c, "d", 3);
        Assert.Empty(c.Violations);
    }

    [Fact]
    public void Crash_and_restart_keep_committed_entries_and_snapshots()
    {
        var c = NewCluster(nodes: 5);
        for (var i = 0; i < 50; i++)
        {
            One(c, "x" + i, 3);
        }

        foreach (var n in c.Nodes)
        {
            c.Crash(n);
        }

        foreach (var n in c.Nodes)
        {
            c.Restart(n);
        }

        var index = One(c, "after", 5);
        Assert.True(index > 50);
        Assert.True(c.Disk(c.Nodes[0]).Exists("snap"), "SnapshotEvery made the runtime snapshot and compact");
        Assert.Empty(c.Violations);
    }

    [Fact]
    public void Unreliable_network_with_long_reordering_still_agrees()
    {
        var c = NewCluster(nodes: 5, seed: 3);
        c.SetReliable(false);
        for (var i = 0; i < 10; i++)
        {
            One(c, "u" + i, 3);
        }

        c.SetLongReordering(true);
        One(c, "long", 3, seconds: 30);
        c.SetReliable(true);
        c.SetLongReordering(false);
        One(c, "end", 5);
        Assert.Empty(c.Violations);
    }
}
