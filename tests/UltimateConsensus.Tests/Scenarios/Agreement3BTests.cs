using Kernel.Sdk.Consensus;
using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>
/// 6.5840 Raft lab part 3B (log replication) on the simulator; timing in <see cref="RaftSim"/>.
/// This Raft appends a no-op entry when a leader takes office (Raft §8), so the lab's "command k at index k" becomes
/// "command k at index k + 1" while the first leader lasts; where the lab asserts an index, we assert the shifted one.
/// </summary>
public sealed class Agreement3BTests(ITestOutputHelper output)
{
    /// <summary>MIT TestBasicAgree3B: 3 servers; nothing committed before Start(); one() puts commands at consecutive indexes.</summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.Names), MemberType = typeof(ScenarioProtocols))]
    public void BasicAgree(string protocol)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, protocol: protocol);
        for (var index = 1; index <= 3; index++)
        {
            var expected = index + ScenarioProtocols.FirstLeaderEntries(protocol); // after the first leader's no-op (none in VR)
            Assert.True(s.NCommitted(expected) == 0, "some have committed before Start()");
            var xindex = s.One(RaftSim.Cmd(index * 100), servers, retry: false);
            Assert.Equal(expected, xindex);
        }

        s.End();
    }

    /// <summary>
    /// MIT TestRPCBytes3B: 3 servers, ten 5000-byte commands: each must cross the wire about once per follower. MIT allows
    /// servers × sent + 50000 bytes; we require requests plus replies of all nodes ≤ (servers - 1) × sent + 5000 (one command's
    /// worth of slack for headers, heartbeats and replies), which fails if any command goes twice to a follower.
    /// </summary>
    [Fact]
    public void RPCBytes()
    {
        const int servers = 3;
        var s = RaftSim.Create(servers);
        s.One(RaftSim.Cmd(99), servers, retry: false);
        var bytes0 = s.Strategy.Wire;
        long sent = 0;
        for (var index = 2; index < 12; index++)
        {
            var cmd = new byte[5000];
            s.Rng.NextBytes(cmd);
            var xindex = s.One(cmd, servers, retry: false);
            Assert.Equal(index + 1, xindex);
            sent += cmd.Length;
        }

        var got = s.Strategy.Wire - bytes0;
        var bound = ((servers - 1) * sent) + 5000;
        output.WriteLine($"RPC bytes: {got.Bytes} (requests {got.RequestBytes}, replies {got.ReplyBytes}, entry payload {got.EntryPayloadBytes}) for {sent} command bytes; bound {bound}");
        Assert.True(got.Bytes <= bound, $"too many RPC bytes; got {got.Bytes}, expected at most {bound}");
        s.End();
    }

    /// <summary>
    /// MIT TestFollowerFailure3B: 3 servers; agreement with one follower gone; with both gone the leader still accepts Start()
    /// at the next index, which must not commit within 2 × RaftElectionTimeout.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.Names), MemberType = typeof(ScenarioProtocols))]
    public void FollowerFailure(string protocol)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, protocol: protocol);
        var index1 = s.One(RaftSim.Cmd(101), servers, retry: false);
        Assert.Equal(servers, s.NCommitted(index1));

        var leader1 = s.CheckOneLeader();
        s.Disconnect((leader1 + 1) % servers);
        s.One(RaftSim.Cmd(102), servers - 1, retry: false);
        s.Sleep(RaftSim.ElectionTimeout);
        var index103 = s.One(RaftSim.Cmd(103), servers - 1, retry: false);

        var leader2 = s.CheckOneLeader();
        s.Disconnect((leader2 + 1) % servers);
        s.Disconnect((leader2 + 2) % servers);
        var r = s.Start(leader2, RaftSim.Cmd(104));
        Assert.True(r.Accepted, "leader rejected Start()");
        Assert.Equal(index103 + 1, r.Index);

        s.Sleep(2 * RaftSim.ElectionTimeout);
        var n = s.NCommitted(r.Index);
        Assert.True(n == 0, $"{n} committed but no majority");
        s.End();
    }

    /// <summary>
    /// MIT TestLeaderFailure3B: 3 servers; the followers elect a new leader and agree when the leader goes; with the second
    /// leader gone too, a command offered to every server must not commit within 2 × RaftElectionTimeout.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.Names), MemberType = typeof(ScenarioProtocols))]
    public void LeaderFailure(string protocol)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, protocol: protocol);
        s.One(RaftSim.Cmd(101), servers, retry: false);

        var leader1 = s.CheckOneLeader();
        s.Disconnect(leader1);
        s.One(RaftSim.Cmd(102), servers - 1, retry: false);
        s.Sleep(RaftSim.ElectionTimeout);
        var index103 = s.One(RaftSim.Cmd(103), servers - 1, retry: false);

        var leader2 = s.CheckOneLeader();
        s.Disconnect(leader2);
        for (var i = 0; i < servers; i++)
        {
            s.Start(i, RaftSim.Cmd(104));
        }

        s.Sleep(2 * RaftSim.ElectionTimeout);
        var n = s.NCommitted(index103 + 1);
        Assert.True(n == 0, $"{n} committed but no majority");
        var maxCommitted = Enumerable.Range(0, servers).Max(i => s.Cluster.Status(RaftSim.Id(i))?.Commit ?? 0); // any protocol's commit index
        Assert.True(maxCommitted == index103, $"something committed after 103 without a majority (max committed {maxCommitted})");
        s.End();
    }

    /// <summary>MIT TestFailAgree3B: 3 servers; a follower misses four commands while disconnected and catches up after it reconnects.</summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.Names), MemberType = typeof(ScenarioProtocols))]
    public void FailAgree(string protocol)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, protocol: protocol);
        s.One(RaftSim.Cmd(101), servers, retry: false);

        var leader = s.CheckOneLeader();
        s.Disconnect((leader + 1) % servers);
        s.One(RaftSim.Cmd(102), servers - 1, retry: false);
        s.One(RaftSim.Cmd(103), servers - 1, retry: false);
        s.Sleep(RaftSim.ElectionTimeout);
        s.One(RaftSim.Cmd(104), servers - 1, retry: false);
        s.One(RaftSim.Cmd(105), servers - 1, retry: false);

        s.Connect((leader + 1) % servers);
        s.One(RaftSim.Cmd(106), servers, retry: true);
        s.Sleep(RaftSim.ElectionTimeout);
        s.One(RaftSim.Cmd(107), servers, retry: true);
        s.End();
    }

    /// <summary>
    /// MIT TestFailNoAgree3B: 5 servers, 3 followers disconnected: the leader accepts Start(20) at the next index, which must not
    /// commit within 2 s. After repair the new leader's next index may be right after 10 (it forgot 20) or after 20: the lab
    /// allows [2, 3]; here the entries between 10 and the new Start() may only be 20 and leaders' no-ops.
    /// </summary>
    [Fact]
    public void FailNoAgree()
    {
        const int servers = 5;
        var s = RaftSim.Create(servers);
        var index10 = s.One(RaftSim.Cmd(10), servers, retry: false);

        var leader = s.CheckOneLeader();
        s.Disconnect((leader + 1) % servers);
        s.Disconnect((leader + 2) % servers);
        s.Disconnect((leader + 3) % servers);

        var r = s.Start(leader, RaftSim.Cmd(20));
        Assert.True(r.Accepted, "leader rejected Start()");
        Assert.Equal(index10 + 1, r.Index);

        s.Sleep(2 * RaftSim.ElectionTimeout);
        var n = s.NCommitted(r.Index, out var what);
        Assert.True(n == 0 || s.Invariants.AppliedKind(r.Index) == EntryKind.Noop, $"{n} committed but no majority");
        Assert.False(what is not null && what.AsSpan().SequenceEqual(RaftSim.Cmd(20)), "20 committed without a majority");

        s.Connect((leader + 1) % servers);
        s.Connect((leader + 2) % servers);
        s.Connect((leader + 3) % servers);

        // The disconnected majority may have chosen a leader from among their own ranks, forgetting index 2.
        var leader2 = s.CheckOneLeader();
        var r2 = s.Start(leader2, RaftSim.Cmd(30));
        Assert.True(r2.Accepted, "leader2 rejected Start()");
        Assert.True(r2.Index > index10, $"unexpected index {r2.Index}");
        var log = s.Raft(leader2)!.Log;
        for (var i = index10 + 1; i < r2.Index; i++)
        {
            var e = log.Entry(i);
            Assert.True(e.Kind == EntryKind.Noop || e.Data.Span.SequenceEqual(RaftSim.Cmd(20)), $"unexpected entry at {i} before 30 (index {r2.Index})");
        }

        s.One(RaftSim.Cmd(1000), servers, retry: true);
        s.End();
    }

    /// <summary>
    /// MIT TestConcurrentStarts3B: 3 servers; Start(1) then five Start()s issued at the same virtual instant; if the term holds
    /// all five commit on every server (wait() per index); up to 5 tries, 3 s apart.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.Names), MemberType = typeof(ScenarioProtocols))]
    public void ConcurrentStarts(string protocol)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, protocol: protocol);
        var success = false;
        for (var attempt = 0; attempt < 5 && !success; attempt++)
        {
            if (attempt > 0)
            {
                s.Sleep(TimeSpan.FromSeconds(3));
            }

            var leader = s.CheckOneLeader();
            var r = s.Start(leader, RaftSim.Cmd(1));
            if (!r.Accepted)
            {
                continue;
            }

            var term = r.Term;
            var indexes = new List<long>();
            for (var ii = 0; ii < 5; ii++)
            {
                var ri = s.Start(leader, RaftSim.Cmd(100 + ii));
                if (ri.Accepted && ri.Term == term)
                {
                    indexes.Add(ri.Index);
                }
            }

            if (Enumerable.Range(0, servers).Any(j => s.GetState(j).Term != term))
            {
                continue;
            }

            var cmds = new List<long>();
            var failed = false;
            foreach (var index in indexes)
            {
                var cmd = s.Wait(index, servers, term);
                if (cmd is null)
                {
                    failed = true;
                    break;
                }

                cmds.Add(RaftSim.Value(cmd));
            }

            if (failed)
            {
                continue;
            }

            for (var ii = 0; ii < 5; ii++)
            {
                Assert.True(cmds.Contains(100 + ii), $"cmd {100 + ii} missing in {string.Join(",", cmds)}");
            }

            success = true;
        }

        Assert.True(success, "term changed too often");
        s.End();
    }

    /// <summary>
    /// MIT TestRejoin3B: 3 servers; a disconnected leader appends 102..104 alone; the others commit 103 (also at the first
    /// free index); that leader goes and the old one returns: its uncommitted entries are overwritten, 104 and 105 commit.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.Names), MemberType = typeof(ScenarioProtocols))]
    public void Rejoin(string protocol)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, protocol: protocol);
        s.One(RaftSim.Cmd(101), servers, retry: true);

        var leader1 = s.CheckOneLeader();
        s.Disconnect(leader1);
        s.Start(leader1, RaftSim.Cmd(102));
        s.Start(leader1, RaftSim.Cmd(103));
        s.Start(leader1, RaftSim.Cmd(104));

        s.One(RaftSim.Cmd(103), 2, retry: true);

        var leader2 = s.CheckOneLeader();
        s.Disconnect(leader2);
        s.Connect(leader1);
        s.One(RaftSim.Cmd(104), 2, retry: true);

        s.Connect(leader2);
        s.One(RaftSim.Cmd(105), servers, retry: true);
        s.End();
    }

    /// <summary>
    /// MIT TestBackup3B: 5 servers; two minority partitions each get 50 entries that never commit while majorities commit
    /// 50 each; the leader must back up over the wrong entries quickly: every one() within the lab's 10 s, and the final
    /// all-server agreement (two followers 50 wrong entries behind) within 1 s here, with at most 10 rejected appends.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.WithSeeds), 2, MemberType = typeof(ScenarioProtocols))]
    public void Backup(string protocol, long seed)
    {
        const int servers = 5;
        var s = RaftSim.Create(servers, seed, protocol: protocol);
        s.One(s.RandCmd(), servers, retry: true);

        // Put the leader and one follower in a partition.
        var leader1 = s.CheckOneLeader();
        s.Disconnect((leader1 + 2) % servers);
        s.Disconnect((leader1 + 3) % servers);
        s.Disconnect((leader1 + 4) % servers);

        // Lots of commands that won't commit.
        for (var i = 0; i < 50; i++)
        {
            s.Start(leader1, s.RandCmd());
        }

        s.Sleep(RaftSim.ElectionTimeout / 2);
        s.Disconnect((leader1 + 0) % servers);
        s.Disconnect((leader1 + 1) % servers);

        // Allow the other partition to recover, and commit lots there.
        s.Connect((leader1 + 2) % servers);
        s.Connect((leader1 + 3) % servers);
        s.Connect((leader1 + 4) % servers);
        for (var i = 0; i < 50; i++)
        {
            s.One(s.RandCmd(), 3, retry: true);
        }

        // Now another partitioned leader and one follower.
        var leader2 = s.CheckOneLeader();
        var other = (leader1 + 2) % servers;
        if (leader2 == other)
        {
            other = (leader2 + 1) % servers;
        }

        s.Disconnect(other);

        // Lots more commands that won't commit.
        for (var i = 0; i < 50; i++)
        {
            s.Start(leader2, s.RandCmd());
        }

        s.Sleep(RaftSim.ElectionTimeout / 2);

        // Bring the original leader back to life.
        for (var i = 0; i < servers; i++)
        {
            s.Disconnect(i);
        }

        s.Connect((leader1 + 0) % servers);
        s.Connect((leader1 + 1) % servers);
        s.Connect(other);

        // Lots of successful commands to the new group.
        for (var i = 0; i < 50; i++)
        {
            s.One(s.RandCmd(), 3, retry: true);
        }

        // Now everyone.
        for (var i = 0; i < servers; i++)
        {
            s.Connect(i);
        }

        var before = s.Strategy.Wire;
        var t0 = s.Now;
        s.One(s.RandCmd(), servers, retry: true);
        var took = s.Now - t0;
        var wire = s.Strategy.Wire - before;
        output.WriteLine($"final agreement on 5 servers took {took.TotalMilliseconds} ms, {wire.AppendRejections} rejected appends, {wire.Requests} requests");
        Assert.True(took <= TimeSpan.FromSeconds(1), $"final catch-up took {took}");
        Assert.True(wire.AppendRejections <= 10, $"{wire.AppendRejections} rejected appends: the leader does not back up quickly");
        s.End();
    }

    /// <summary>
    /// MIT TestCount3B: 3 servers. An RPC is a request with its reply, so we count requests (AppendEntries, heartbeats,
    /// RequestVote including pre-votes, InstallSnapshot, TimeoutNow, ReadIndex) as the simulator's codec sends them (sent, not
    /// delivered: never fewer than labrpc would count). Bounds as in the lab: at most 30 to elect the first leader (measured,
    /// as there, at checkOneLeader's first success), at most (iters + 1 + 3) × 3 = 42 for 12 Start()s waited for 10 commits,
    /// and at most 3 × 20 = 60 in one idle second.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Count(long seed)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, seed);
        long Rpcs() => s.Strategy.Wire.Requests;

        var leader = s.CheckOneLeader();
        var total1 = Rpcs();
        output.WriteLine($"election: {total1} RPCs by {s.Now.TotalMilliseconds} ms");
        Assert.True(total1 is >= 1 and <= 30, $"too many or few RPCs ({total1}) to elect initial leader");

        long total2 = 0;
        var success = false;
        for (var attempt = 0; attempt < 5 && !success; attempt++)
        {
            if (attempt > 0)
            {
                s.Sleep(TimeSpan.FromSeconds(3));
            }

            leader = s.CheckOneLeader();
            total1 = Rpcs();
            const int iters = 10;
            var first = s.Start(leader, RaftSim.Cmd(1));
            if (!first.Accepted)
            {
                continue;
            }

            var starti = first.Index;
            var term = first.Term;
            var cmds = new List<long>();
            var restart = false;
            for (var i = 1; i < iters + 2; i++)
            {
                var x = s.Rng.Next();
                cmds.Add(x);
                var r = s.Start(leader, RaftSim.Cmd(x));
                if (!r.Accepted || r.Term != term)
                {
                    restart = true;
                    break;
                }

                Assert.True(starti + i == r.Index, "Start() failed");
            }

            if (restart)
            {
                continue;
            }

            for (var i = 1; i < iters + 1 && !restart; i++)
            {
                var cmd = s.Wait(starti + i, servers, term);
                if (cmd is null)
                {
                    restart = true;
                    break;
                }

                Assert.True(RaftSim.Value(cmd) == cmds[i - 1], $"wrong value {RaftSim.Value(cmd)} committed for index {starti + i}; expected {cmds[i - 1]}");
            }

            if (restart)
            {
                continue;
            }

            total2 = Rpcs();
            if (Enumerable.Range(0, servers).Any(j => s.GetState(j).Term != term))
            {
                continue;
            }

            output.WriteLine($"10 commits: {total2 - total1} RPCs");
            Assert.True(total2 - total1 <= (iters + 1 + 3) * 3, $"too many RPCs ({total2 - total1}) for {iters} entries");
            success = true;
        }

        Assert.True(success, "term changed too often");

        s.Sleep(RaftSim.ElectionTimeout);
        var total3 = Rpcs();
        output.WriteLine($"idle second: {total3 - total2} RPCs");
        Assert.True(total3 - total2 <= 3 * 20, $"too many RPCs ({total3 - total2}) for 1 second of idleness");
        s.End();
    }
}
