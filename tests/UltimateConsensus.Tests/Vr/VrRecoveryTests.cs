using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;

using UltimateConsensus.Vr;

namespace UltimateConsensus.Tests.Vr;

/// <summary>
/// VR in the simulator, driven by hand: a replica whose disk is wiped rejoins only through recovery and sends nothing but
/// recovery messages until it has; and VR's own invariants (one primary per view; a committed op never changes and is in
/// every later primary's log) hold under crashes, partitions and loss, checked every simulated millisecond.
/// </summary>
public sealed class VrRecoveryTests
{
    private static VrNode? Vr(SimCluster c, NodeId id) => c.GetNode(id) as VrNode;

    private static void ProposeSome(SimCluster cluster, int count, string prefix)
    {
        for (var i = 0; i < count; i++)
        {
            cluster.RunUntil(c => c.Leader() != NodeId.None, TimeSpan.FromSeconds(5));
            cluster.Propose(cluster.Leader(), System.Text.Encoding.UTF8.GetBytes(prefix + i.ToString(CultureInfo.InvariantCulture)));
            cluster.RunFor(TimeSpan.FromMilliseconds(20));
        }
    }

    [Fact]
    public void A_backup_that_lost_its_disk_rejoins_only_through_recovery_and_committed_ops_survive_the_primary()
    {
        var trace = new StringWriter();
        var cluster = SimCluster.Create(new VrStrategy(), new SimulationOptions
        {
            Nodes = 3, Seed = 11, Faults = SimFaults.None, DropProbability = 0, DuplicateProbability = 0, ReorderProbability = 0,
            StopOnViolation = false, SnapshotEvery = 0, Trace = trace,
        });
        Assert.True(cluster.RunUntil(c => c.Leader() != NodeId.None, TimeSpan.FromSeconds(5)));
        ProposeSome(cluster, 10, "a");
        var primary = cluster.Leader();
        var lost = cluster.Nodes.First(n => n != primary);
        var other = cluster.Nodes.First(n => n != primary && n != lost);
        // The backup learns the last commit from the primary's next message (when depends on the schedule): wait for it.
        Assert.True(cluster.RunUntil(c => c.Status(lost)!.Commit == 10, TimeSpan.FromSeconds(1)), $"the backup's commit is {cluster.Status(lost)!.Commit}, not 10");

        // What it sent before the crash must land (or be lost) before it restarts: the check below goes by delivery time,
        // and a backup answers each of the primary's heartbeats.
        cluster.Block(lost, primary);
        cluster.Block(lost, other);
        cluster.RunFor(TimeSpan.FromMilliseconds(100));
        cluster.Crash(lost);
        cluster.Unblock(lost, primary);
        cluster.Unblock(lost, other);
        var disk = cluster.Disk(lost);
        foreach (var file in disk.List())
        {
            disk.Delete(file);
        }

        disk.SyncDirectory();
        var restartedAt = cluster.Now;
        cluster.Restart(lost);
        Assert.Equal(ConsensusRole.Recovering, cluster.Status(lost)!.Role);

        // Step by a millisecond until it has recovered; meanwhile it must have sent nothing but recovery messages.
        var recoveredAt = TimeSpan.Zero;
        for (var t = 0; t < 2000 && recoveredAt == TimeSpan.Zero; t++)
        {
            cluster.RunFor(TimeSpan.FromMilliseconds(1));
            if (Vr(cluster, lost)!.VrStatus == VrStatus.Normal)
            {
                recoveredAt = cluster.Now;
            }
        }

        Assert.NotEqual(TimeSpan.Zero, recoveredAt);
        Assert.True(Vr(cluster, lost)!.Log.LastIndex >= 10, "the recovered replica holds every committed op");
        var sender = $" {lost.Value}->";
        var before = trace.ToString().Split('\n')
            .Where(l => l.Contains(" deliver ", StringComparison.Ordinal) && l.Contains(sender, StringComparison.Ordinal))
            .Select(l => (Micros: long.Parse(l[..l.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture), Line: l))
            .Where(x => x.Micros >= restartedAt.TotalMicroseconds && x.Micros < recoveredAt.TotalMicroseconds)
            .ToArray();
        Assert.NotEmpty(before);
        Assert.All(before, x => Assert.True(x.Line.Contains("Recovery", StringComparison.Ordinal), $"sent while recovering: {x.Line}"));

        // The primary goes: the recovered replica and the other backup must carry every committed op into the next view.
        cluster.Crash(primary);
        Assert.True(cluster.RunUntil(c => c.Leader() != NodeId.None && c.Leader() != primary, TimeSpan.FromSeconds(10)));
        ProposeSome(cluster, 3, "b");
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.True(cluster.AppliedIndex(lost) >= 13 && cluster.AppliedIndex(other) >= 13);
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(cluster.CommittedCount(i, out _) >= 2, $"op {i} applied by fewer than a quorum");
        }

        // The harness counts a node that restarts with less than it applied as a violation, which the wipe is by design.
        Assert.All(cluster.Violations, v => Assert.True(v.Kind == ViolationKinds.AppliedPrefix && v.Message.Contains("recovered a log only up to 0", StringComparison.Ordinal), v.ToString()));
    }

    [Theory]
    [InlineData(3, 21)]
    [InlineData(5, 22)]
    public void One_primary_per_view_and_committed_ops_never_change(int nodes, long seed)
    {
        var cluster = SimCluster.Create(new VrStrategy(), new SimulationOptions { Nodes = nodes, Seed = seed, SnapshotEvery = 25 });
        var random = new Random((int)seed);
        var primaries = new Dictionary<long, NodeId>();
        var committed = new Dictionary<long, (long View, string Data)>();
        var seenInView = new Dictionary<long, long>();
        var views = 0L;
        for (var step = 0; step < 6000; step++)
        {
            cluster.RunFor(TimeSpan.FromMilliseconds(1));
            if (step % 10 == 0 && cluster.Leader() is { IsNone: false } leader)
            {
                cluster.Propose(leader, new byte[] { (byte)step, (byte)(step >> 8) });
            }

            if (step % 400 == 200)
            {
                var victim = cluster.Nodes[random.Next(nodes)];
                if (cluster.IsUp(victim))
                {
                    cluster.Crash(victim);
                }
            }
            else if (step % 400 == 350)
            {
                foreach (var n in cluster.Nodes.Where(n => !cluster.IsUp(n)))
                {
                    cluster.Restart(n);
                }
            }
            else if (step % 1000 == 500)
            {
                cluster.Partition([.. cluster.Nodes.Take(nodes / 2)], [.. cluster.Nodes.Skip(nodes / 2)]);
            }
            else if (step % 1000 == 800)
            {
                cluster.Heal();
            }

            foreach (var id in cluster.Nodes)
            {
                if (!cluster.IsUp(id) || Vr(cluster, id) is not { } node)
                {
                    continue;
                }

                var log = node.Log;
                if (node.Status.Role == ConsensusRole.Leader)
                {
                    views = Math.Max(views, node.View);
                    Assert.True(!primaries.TryGetValue(node.View, out var p) || p == id, $"two primaries in view {node.View}");
                    primaries[node.View] = id;

                    // A primary's log holds every op some replica saw committed in an earlier view, unchanged.
                    foreach (var (index, entry) in committed.Where(c => c.Key > log.SnapshotIndex && seenInView[c.Key] < node.View))
                    {
                        Assert.True(index <= log.LastIndex, $"primary {id} of view {node.View} lacks committed op {index}");
                        Assert.Equal(entry, (log.Term(index), Convert.ToHexString(log.Entry(index).Data.Span)));
                    }
                }

                for (var index = Math.Max(log.SnapshotIndex + 1, log.Committed - 50); index <= log.Committed; index++)
                {
                    var mine = (log.Term(index), Convert.ToHexString(log.Entry(index).Data.Span));
                    Assert.True(!committed.TryGetValue(index, out var first) || first == mine, $"{id} committed a different op at {index}");
                    committed[index] = mine;
                    seenInView[index] = Math.Min(seenInView.GetValueOrDefault(index, long.MaxValue), node.View);
                }
            }
        }

        Assert.Empty(cluster.Violations);
        Assert.True(committed.Count > 100, $"only {committed.Count} ops committed");
        Assert.True(views > 0, "the run should have changed views");
    }
}
