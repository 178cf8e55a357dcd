using System.Buffers.Binary;
using Kernel.Sdk.Testing.Simulation;
using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>
/// Restarts over write-ahead logs whose tail was torn mid-record, and no acknowledged (committed) entry may be lost.
/// Crashes run with <see cref="SimFaults.Disk"/>, so <c>SimDirectory.Crash(DiskCrashMode.Tear)</c> keeps a random prefix of the
/// unsynced bytes, maybe with garbage at its end. Raft syncs entries and votes before it sends anything, so what a crash can
/// tear by itself is only commit-index records; to tear an entry record as a power cut during its write would, the test then
/// appends to the last segment the first k bytes of a copy of its last record (k random, sometimes with garbage at the end):
/// a record in the middle of being written, never synced, hence never acknowledged.
/// </summary>
public sealed class TornWalTests(ITestOutputHelper output)
{
    /// <summary>
    /// 5 servers under a stream of one()s; every 3 commands a random server (often the leader) crashes, its WAL tail is torn
    /// mid-record, and it restarts. Bound: every acknowledged command stays at its index on every server, whose WAL reopens
    /// (dropping the torn tail) without corruption errors, and the cluster agrees on a last command within the lab's 10 s.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Rolling_crashes_with_torn_tails_lose_no_acknowledged_entry(long seed)
    {
        const int servers = 5;
        var s = RaftSim.Create(servers, seed, snapshotEvery: 25, faults: SimFaults.Disk);
        var acknowledged = new List<(long Index, byte[] Command)>();
        var torn = 0;
        for (var round = 0; round < 20; round++)
        {
            for (var j = 0; j < 3; j++)
            {
                var cmd = s.RandCmd();
                acknowledged.Add((s.One(cmd, 3, retry: true), cmd));
            }

            // Leave a few proposals in flight, so the crash may cut a replication in the middle.
            for (var j = 0; j < 3; j++)
            {
                for (var k = 0; k < servers; k++)
                {
                    s.Start(k, s.RandCmd());
                }
            }

            s.SleepMs(s.Rng.Next(15));
            var victim = s.Rng.Next(2) == 0 && FindLeader(s) is var l and >= 0 ? l : s.Rng.Next(servers);
            s.Crash(victim);
            torn += TearTail(s, victim) ? 1 : 0;
            s.SleepMs(s.Rng.Next(300));
            s.Start1(victim);
            s.Connect(victim);
        }

        var last = s.RandCmd();
        acknowledged.Add((s.One(last, servers, retry: true), last));
        AssertNoneLost(s, acknowledged);
        output.WriteLine($"seed {seed}: {acknowledged.Count} acknowledged, {torn} records torn by hand, {s.Invariants.LeaderOfTerm.Count} leaders");
        Assert.True(torn > 0, "some tail was torn");
        s.End();
    }

    /// <summary>
    /// 3 servers: every server crashes at once with its tail torn mid-record, three times; after each restart all committed
    /// commands are still there and the cluster agrees again within 10 s.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Whole_cluster_crash_with_torn_tails_loses_no_acknowledged_entry(long seed)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, seed, faults: SimFaults.Disk);
        var acknowledged = new List<(long Index, byte[] Command)>();
        for (var round = 0; round < 3; round++)
        {
            for (var j = 0; j < 8; j++)
            {
                var cmd = s.RandCmd();
                acknowledged.Add((s.One(cmd, servers, retry: true), cmd));
            }

            var leader = FindLeader(s);
            if (leader >= 0)
            {
                s.Start(leader, s.RandCmd()); // in flight when the power goes
            }

            for (var k = 0; k < servers; k++)
            {
                s.Crash(k);
                TearTail(s, k);
            }

            for (var k = 0; k < servers; k++)
            {
                s.Start1(k);
                s.Connect(k);
            }

            var cmd2 = s.RandCmd();
            acknowledged.Add((s.One(cmd2, servers, retry: true), cmd2));
            AssertNoneLost(s, acknowledged);
        }

        s.End();
    }

    private static int FindLeader(RaftSim s)
    {
        for (var i = 0; i < s.N; i++)
        {
            if (s.Connected(i) && s.GetState(i).IsLeader)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Every acknowledged command is at its index in every server's log (or below its snapshot), committed there.</summary>
    private static void AssertNoneLost(RaftSim s, List<(long Index, byte[] Command)> acknowledged)
    {
        var maxIndex = acknowledged.Max(a => a.Index);
        Assert.True(s.RunUntil(() => Enumerable.Range(0, s.N).All(k => s.Raft(k) is { } r && r.Log.Committed >= maxIndex), TimeSpan.FromSeconds(10)),
            "every server learns the commit index");
        for (var k = 0; k < s.N; k++)
        {
            var log = s.Raft(k)!.Log;
            foreach (var (index, command) in acknowledged)
            {
                if (index <= log.SnapshotIndex)
                {
                    // Compacted: the entry was applied before the snapshot; the applied-entry checks saw it.
                    Assert.True(s.Invariants.AppliedBy(index).Count > 0 || s.Cluster.AppliedIndex(RaftSim.Id(k)) >= index);
                    continue;
                }

                var e = log.Entry(index);
                Assert.True(e.Data.Span.SequenceEqual(command), $"server {k} lost acknowledged entry {index}");
            }
        }
    }

    /// <summary>Appends a torn copy of the last record of the newest WAL segment: length and CRC intact, payload cut short.</summary>
    private static bool TearTail(RaftSim s, int server)
    {
        var disk = s.Cluster.Disk(RaftSim.Id(server));
        var segment = disk.List().Where(n => n.StartsWith("wal-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).LastOrDefault();
        if (segment is null)
        {
            return false;
        }

        var data = disk.ReadAll(segment);
        int offset = 0, lastStart = -1, lastLength = 0;
        while (offset + 9 <= data.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
            if (length < 0 || offset + 9 + length > data.Length)
            {
                break;
            }

            lastStart = offset;
            lastLength = 9 + length;
            offset += 9 + length;
        }

        if (lastStart < 0 || lastLength < 2)
        {
            return false;
        }

        var torn = data.AsSpan(lastStart, lastLength).ToArray()[..s.Rng.Next(1, lastLength)];
        if (s.Rng.Next(4) == 0)
        {
            torn[^1] ^= 0x5A; // garbage where the write stopped
        }

        using var file = disk.OpenAppend(segment);
        file.Append(torn);
        return true;
    }
}
