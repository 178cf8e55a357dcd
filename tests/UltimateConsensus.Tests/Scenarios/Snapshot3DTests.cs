using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>
/// 6.5840 Raft lab part 3D (log compaction) on the simulator. The simulator's runtime snapshots the state machine and calls
/// <c>Compact</c> every <see cref="SnapShotInterval"/> applied entries (the lab's SnapShotInterval = 10); a follower too far
/// behind gets an InstallSnapshot. The lab's MAXLOGSIZE (2000 bytes of persisted Raft state) becomes a bound on the entries a
/// running node keeps in memory after its snapshot: <see cref="MaxLogEntries"/>.
/// </summary>
public sealed class Snapshot3DTests(ITestOutputHelper output)
{
    private const int SnapShotInterval = 10;
    private const int MaxLogEntries = 50;

    /// <summary>MIT TestSnapshotBasic3D: 3 servers, 30 rounds of 5..14 Start()s with everyone caught up; log stays compacted.</summary>
    [Fact]
    public void SnapshotBasic() => SnapCommon(1, disconnect: false, reliable: true, crash: false);

    /// <summary>MIT TestSnapshotInstall3D: as basic, with a victim disconnected each round that must catch up (InstallSnapshot).</summary>
    [Fact]
    public void SnapshotInstall() => SnapCommon(1, disconnect: true, reliable: true, crash: false);

    /// <summary>MIT TestSnapshotInstallUnreliable3D: as install, on an unreliable network.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SnapshotInstallUnreliable(long seed) => SnapCommon(seed, disconnect: true, reliable: false, crash: false);

    /// <summary>MIT TestSnapshotInstallCrash3D: as install, the victim crashed and restarted from its snapshot and WAL.</summary>
    [Fact]
    public void SnapshotInstallCrash() => SnapCommon(1, disconnect: false, reliable: true, crash: true);

    /// <summary>MIT TestSnapshotInstallUnCrash3D: crash variant on an unreliable network.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SnapshotInstallUnCrash(long seed) => SnapCommon(seed, disconnect: false, reliable: false, crash: true);

    /// <summary>
    /// MIT TestSnapshotAllCrash3D: 3 servers, 5 rounds of 5..14 one()s, then crash and restart every server: the next index must
    /// be above the last one agreed before the crash (nothing committed is forgotten).
    /// </summary>
    [Fact]
    public void SnapshotAllCrash()
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, 1, snapshotEvery: SnapShotInterval);
        s.One(s.RandCmd(), servers, retry: true);
        for (var i = 0; i < 5; i++)
        {
            var nn = (SnapShotInterval / 2) + s.Rng.Next(SnapShotInterval);
            for (var j = 0; j < nn; j++)
            {
                s.One(s.RandCmd(), servers, retry: true);
            }

            var index1 = s.One(s.RandCmd(), servers, retry: true);
            for (var k = 0; k < servers; k++)
            {
                s.Crash(k);
            }

            for (var k = 0; k < servers; k++)
            {
                s.Start1(k);
                s.Connect(k);
            }

            var index2 = s.One(s.RandCmd(), servers, retry: true);
            Assert.True(index2 >= index1 + 1, $"index decreased from {index1} to {index2}");
        }

        Assert.True(s.Raft(0)!.Log.SnapshotIndex > 0, "the log was compacted");
        s.End();
    }

    /// <summary>
    /// MIT TestSnapshotInit3D: 3 servers; SnapShotInterval + 1 one()s, crash and restart all, one more, crash and restart all
    /// again (the restart must initialize from the snapshot, not index 0), and one more.
    /// </summary>
    [Fact]
    public void SnapshotInit()
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, 1, snapshotEvery: SnapShotInterval);
        s.One(s.RandCmd(), servers, retry: true);
        for (var i = 0; i < SnapShotInterval + 1; i++)
        {
            s.One(s.RandCmd(), servers, retry: true);
        }

        CrashAndReviveAll(s);
        Assert.True(Enumerable.Range(0, servers).All(k => s.Raft(k)!.Log.SnapshotIndex > 0), "every server restarted from a snapshot");

        // A single op, to get something written back to persistent storage.
        s.One(s.RandCmd(), servers, retry: true);
        CrashAndReviveAll(s);

        // Another op, to trigger a potential bug.
        s.One(s.RandCmd(), servers, retry: true);
        s.End();

        static void CrashAndReviveAll(RaftSim s)
        {
            for (var k = 0; k < s.N; k++)
            {
                s.Crash(k);
            }

            for (var k = 0; k < s.N; k++)
            {
                s.Start1(k);
                s.Connect(k);
            }
        }
    }

    /// <summary>The lab's snapcommon: 30 rounds; victim alternates between a follower and the leader.</summary>
    private void SnapCommon(long seed, bool disconnect, bool reliable, bool crash)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, seed, snapshotEvery: SnapShotInterval);
        if (!reliable)
        {
            s.SetReliable(false);
        }

        s.One(s.RandCmd(), servers, retry: true);
        var leader1 = s.CheckOneLeader();
        var maxLog = 0;
        for (var i = 0; i < 30; i++)
        {
            var victim = (leader1 + 1) % servers;
            var sender = leader1;
            if (i % 3 == 1)
            {
                sender = (leader1 + 1) % servers;
                victim = leader1;
            }

            if (disconnect)
            {
                s.Disconnect(victim);
                s.One(s.RandCmd(), servers - 1, retry: true);
            }

            if (crash)
            {
                s.Crash(victim);
                s.One(s.RandCmd(), servers - 1, retry: true);
            }

            // Perhaps send enough to get a snapshot.
            var nn = (SnapShotInterval / 2) + s.Rng.Next(SnapShotInterval);
            for (var j = 0; j < nn; j++)
            {
                s.Start(sender, s.RandCmd());
            }

            // Let the appliers catch up with the Start()s; when nobody is down, make sure all followers caught up, so that
            // an InstallSnapshot is not required for SnapshotBasic.
            s.One(s.RandCmd(), disconnect || crash ? servers - 1 : servers, retry: true);

            for (var k = 0; k < servers; k++)
            {
                if (s.Raft(k) is { } r)
                {
                    maxLog = Math.Max(maxLog, r.Log.Count);
                    Assert.True(r.Log.Count <= MaxLogEntries, $"log size too large: server {k} keeps {r.Log.Count} entries after its snapshot at {r.Log.SnapshotIndex}");
                }
            }

            if (disconnect)
            {
                // Reconnect a follower, who may be behind and need a snapshot to catch up.
                s.Connect(victim);
                s.One(s.RandCmd(), servers, retry: true);
                leader1 = s.CheckOneLeader();
            }

            if (crash)
            {
                s.Start1(victim);
                s.Connect(victim);
                s.One(s.RandCmd(), servers, retry: true);
                leader1 = s.CheckOneLeader();
            }
        }

        var wire = s.Strategy.Wire;
        output.WriteLine($"seed {seed}: {wire.Snapshots} InstallSnapshot sent, largest in-memory log {maxLog} entries, {s.Invariants.MaxCommitted} committed");
        Assert.True(Enumerable.Range(0, servers).All(k => s.Raft(k)!.Log.SnapshotIndex > 0), "every server compacted its log");
        if (disconnect)
        {
            Assert.True(wire.Snapshots > 0, "a reconnected follower was brought up to date with InstallSnapshot");
        }

        s.End();
    }
}
