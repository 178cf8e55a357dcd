using Kernel.Node.Runtime;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

namespace Kernel.Node.Tests.Runtime;

/// <summary>Three members of the real Raft strategy over loopback gRPC, driven through <see cref="INodeClient"/>.</summary>
public sealed class NodeRuntimeTests
{
    [Fact]
    public async Task Three_members_elect_a_leader_and_commit_proposals_on_every_member()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        long last = 0;
        for (var i = 0; i < 20; i++)
        {
            var response = await TestCluster.ProposeAsync(leader, "k" + i, "v" + i);
            var count = Assert.IsType<long>(response);
            Assert.True(count > last, "the proposer gets the state machine's response for its own entry");
            last = count;
        }

        await cluster.AllHoldAsync("k19", "v19");
        foreach (var host in cluster.Running)
        {
            Assert.Equal(20, await host.Client.ReadAsync(() => ((TestApplication)host.Application).Machine.Count, linearizable: false, CancellationToken.None));
            Assert.Equal(cluster.Running.First().Client.Status.ClusterId, host.Client.Status.ClusterId);
        }
    }

    [Fact]
    public async Task A_proposal_to_a_follower_is_forwarded_and_a_linearizable_read_there_sees_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Follower(leader);
        var response = await TestCluster.ProposeAsync(follower, "greeting", "hello");
        Assert.IsType<long>(response);

        // Read on the other follower, linearizably: it must see the write the first follower's caller saw acknowledged.
        var other = cluster.Running.First(h => h != leader && h != follower);
        await TestCluster.ProposeAsync(follower, "greeting", "hello again");
        Assert.Equal("hello again", await TestCluster.ValueAsync(other, "greeting", linearizable: true));
        Assert.Equal("hello again", await TestCluster.ValueAsync(leader, "greeting", linearizable: true));
    }

    [Fact]
    public async Task A_member_restarted_from_its_data_dir_finds_its_state_and_a_whole_cluster_restart_keeps_everything()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 120; i++)
        {
            await TestCluster.ProposeAsync(leader, "k" + (i % 7), "v" + i); // past two snapshots (every 50 entries)
        }

        await cluster.AllHoldAsync("k0", "v119");
        var stopped = cluster.IndexOf(cluster.Follower(leader));
        await cluster.StopMemberAsync(stopped);
        await TestCluster.ProposeAsync(await cluster.LeaderAsync(), "while-down", "yes");
        var restarted = await cluster.StartMemberAsync(stopped);
        Assert.True(((TestApplication)restarted.Application).Machine.Restores >= 1, "the member restored its snapshot from disk");
        await cluster.AllHoldAsync("while-down", "yes");
        Assert.Equal("v119", await TestCluster.ValueAsync(restarted, "k0"));

        for (var i = 0; i < 3; i++)
        {
            await cluster.StopMemberAsync(i);
        }

        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        await cluster.AllHoldAsync("while-down", "yes");
        await cluster.AllHoldAsync("k6", "v118");
        await TestCluster.ProposeAsync(await cluster.LeaderAsync(), "after", "restart");
        await cluster.AllHoldAsync("after", "restart");
    }

    [Fact]
    public async Task A_member_far_behind_gets_a_snapshot_larger_than_grpcs_default_message_limit()
    {
        // Ticks of 100 ms: writing 5 MB snapshots on a shared disk must not look like a dead leader.
        await using var cluster = await TestCluster.StartAsync(adjust: (_, o) => o with { SnapshotEvery = 3, TickLength = TimeSpan.FromMilliseconds(100) });
        var leader = await cluster.LeaderAsync();
        var behind = cluster.IndexOf(cluster.Follower(leader));
        await cluster.StopMemberAsync(behind);
        var big = new string('x', 700_000);
        for (var i = 0; i < 8; i++)
        {
            await TestCluster.ProposeAsync(leader, "big" + i, big + i); // 5.6 MB of state, past 4 MB
        }

        await TestCluster.ProposeAsync(leader, "last", "one");
        await TestCluster.Eventually(() => File.Exists(Path.Combine(leader.Options.DataDirectory, WalStorage.SnapshotFileName)), "the leader took a snapshot");
        var restarted = await cluster.StartMemberAsync(behind);
        await cluster.AllHoldAsync("last", "one");
        Assert.Equal(big + 7, await TestCluster.ValueAsync(restarted, "big7"));
        var m = ((TestApplication)restarted.Application).Machine;
        Assert.True(m.Restores >= 1, $"the state came as a snapshot: restores {m.Restores}, applied {m.AppliedIndex}, leader snapshot at {leader.Runtime.Status.AppliedIndex}");
    }

    [Fact]
    public async Task Snapshots_are_encoded_and_written_off_the_loop_so_proposals_go_on_while_one_is_under_way()
    {
        await using var cluster = await TestCluster.StartAsync(adjust: (_, o) => o with { SnapshotEvery = 20 });
        using var gate = new ManualResetEventSlim(false);
        var machines = cluster.Running.Select(h => ((TestApplication)h.Application).Machine).ToArray();
        foreach (var machine in machines)
        {
            machine.SnapshotGate = gate;
        }

        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 100; i++)
        {
            await TestCluster.ProposeAsync(leader, "k" + i, "v" + i); // five snapshots' worth while the first is held
        }

        await TestCluster.Eventually(() => machines.All(m => m.Captures >= 1), "every member started a snapshot");
        Assert.All(machines, m => Assert.Equal(1, m.Captures)); // one at a time: the first is still encoding
        Assert.All(cluster.Options, o => Assert.False(File.Exists(Path.Combine(o.DataDirectory, WalStorage.SnapshotFileName))));

        gate.Set();
        await TestCluster.Eventually(
            () => cluster.Options.All(o => File.Exists(Path.Combine(o.DataDirectory, WalStorage.SnapshotFileName))),
            "every member wrote its snapshot once the encoding was let go");
        for (var i = 100; i < 125; i++)
        {
            // Due again on every member: more than SnapshotEvery past any snapshot, a member's own or one it installed from
            // the leader while it lagged (one entry was enough for the first kind only, and the test failed now and then).
            await TestCluster.ProposeAsync(leader, "k" + i, "v" + i);
        }

        await TestCluster.Eventually(() => machines.All(m => m.Captures >= 2), "a second snapshot once the first was saved");

        var follower = cluster.IndexOf(cluster.Follower(leader));
        await cluster.StopMemberAsync(follower);
        var restarted = await cluster.StartMemberAsync(follower);
        Assert.True(((TestApplication)restarted.Application).Machine.Restores >= 1, "the restarted member began from its snapshot");
        await TestCluster.Eventually(async () => await TestCluster.ValueAsync(restarted, "k99") == "v99", "the restarted member holds what was written before");
    }

    [Fact]
    public async Task When_the_leader_stops_a_new_one_is_elected_and_acknowledged_writes_survive()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        var acknowledged = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            await TestCluster.ProposeAsync(cluster.Follower(leader), "ack" + i, "x");
            acknowledged.Add(i);
        }

        var old = cluster.IndexOf(leader);
        await cluster.StopMemberAsync(old);
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.Member.Id, next.Member.Id);
        foreach (var i in acknowledged)
        {
            Assert.Equal("x", await TestCluster.ValueAsync(next, "ack" + i, linearizable: true));
        }

        await TestCluster.ProposeAsync(next, "after", "failover");
        await cluster.StartMemberAsync(old);
        await cluster.AllHoldAsync("after", "failover");
    }

    [Fact]
    public async Task Beyond_the_in_flight_bound_proposals_fail_with_too_many_requests()
    {
        await using var cluster = await TestCluster.StartAsync(adjust: (_, o) => o with { MaxInflightProposals = 4 });
        var leader = await cluster.LeaderAsync();
        var calls = Enumerable.Range(0, 200).Select(i => leader.Client.ProposeAsync(KvMachine.Set("b" + i, "v"), CancellationToken.None)).ToArray();
        var rejected = 0;
        var applied = 0;
        foreach (var call in calls)
        {
            try
            {
                await call;
                applied++;
            }
            catch (ProposalRejectedException ex)
            {
                Assert.Equal(RejectionReason.TooManyRequests, ex.Reason);
                rejected++;
            }
        }

        Assert.True(applied >= 1, "some were taken");
        Assert.True(rejected > 0, "the bound refused some");
        Assert.Equal(200, applied + rejected);
        await TestCluster.Eventually(() => leader.Runtime.Inflight == 0, "the bound is released");
        Assert.Equal(applied, await leader.Client.ReadAsync(() => ((TestApplication)leader.Application).Machine.Count, linearizable: true, CancellationToken.None));
    }

    [Fact]
    public async Task The_protocols_own_backpressure_reaches_the_proposer_as_too_many_requests()
    {
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        cluster.StrategyOptions = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["maxUncommittedBytes"] = "64" }).Build();
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var leader = await cluster.LeaderAsync();
        foreach (var proposer in new[] { leader, cluster.Follower(leader) })
        {
            var calls = Enumerable.Range(0, 100).Select(i => proposer.Client.ProposeAsync(KvMachine.Set("u" + i, "v"), CancellationToken.None)).ToArray();
            var rejected = 0;
            foreach (var call in calls)
            {
                try
                {
                    await call;
                }
                catch (ProposalRejectedException ex)
                {
                    Assert.Equal(RejectionReason.TooManyRequests, ex.Reason);
                    rejected++;
                }
            }

            Assert.InRange(rejected, 1, 99);
        }
    }

    [Fact]
    public async Task Proposals_after_stop_are_rejected_as_stopped()
    {
        await using var cluster = await TestCluster.StartAsync();
        var host = cluster.Hosts[0]!;
        await cluster.StopMemberAsync(0);
        var ex = await Assert.ThrowsAsync<ProposalRejectedException>(() => host.Client.ProposeAsync(KvMachine.Set("a", "b"), CancellationToken.None));
        Assert.Equal(RejectionReason.Stopped, ex.Reason);
        await Assert.ThrowsAsync<ProposalRejectedException>(() => host.Client.ReadAsync(() => 1, linearizable: false, CancellationToken.None));
    }

    [Fact]
    public async Task A_torn_wal_tail_is_recovered_on_restart_and_the_member_catches_up()
    {
        await using var cluster = await TestCluster.StartAsync(adjust: (_, o) => o with { SnapshotEvery = 0 });
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 40; i++)
        {
            await TestCluster.ProposeAsync(leader, "t" + i, "v" + i);
        }

        await cluster.AllHoldAsync("t39", "v39");
        var victim = cluster.IndexOf(cluster.Follower(leader));
        await cluster.StopMemberAsync(victim);

        // Tear the last record of the last segment, as a crash in the middle of a write leaves it.
        var dir = cluster.Options[victim].DataDirectory;
        var segment = Directory.GetFiles(dir, "wal-*.log").Order(StringComparer.Ordinal).Last();
        var length = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length - 7);
        }

        await TestCluster.ProposeAsync(await cluster.LeaderAsync(), "after", "tear");
        var restarted = await cluster.StartMemberAsync(victim);
        await cluster.AllHoldAsync("after", "tear");
        Assert.Equal("v39", await TestCluster.ValueAsync(restarted, "t39"));
        Assert.True(new FileInfo(segment).Length >= length - 7, "the segment was truncated to its last whole record and appended to again");
        Assert.False(File.Exists(Path.Combine(dir, WalStorage.SnapshotFileName)));
    }
    [Fact]
    public async Task Without_ReadIndex_a_linearizable_read_goes_through_the_log()
    {
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        var strategy = new WithoutReadIndex(cluster.Strategy);
        cluster.Strategy = strategy;
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var leader = await cluster.LeaderAsync();
        var follower = cluster.Follower(leader);
        await TestCluster.ProposeAsync(leader, "x", "1");
        var before = await follower.Client.ReadAsync(() => follower.Client.Status.AppliedIndex, linearizable: false, CancellationToken.None);
        Assert.Equal("1", await TestCluster.ValueAsync(follower, "x", linearizable: true));
        Assert.Equal("1", await TestCluster.ValueAsync(leader, "x", linearizable: true));
        Assert.True(follower.Client.Status.AppliedIndex > before, "the read barrier took a log index");
        Assert.Equal(0, strategy.ReadIndexCalls);
        await TestCluster.Eventually(() => cluster.Running.All(h => h.Runtime.Inflight == 0), "the reads are released");
    }

    [Fact]
    public async Task A_proposal_that_cannot_commit_fails_and_never_hangs()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        await TestCluster.ProposeAsync(leader, "before", "quorum");
        var last = cluster.IndexOf(leader);
        foreach (var i in Enumerable.Range(0, 3).Where(i => i != last))
        {
            await cluster.StopMemberAsync(i);
        }

        // Taken by a leader that can no longer commit: unknown when it steps down (check-quorum); refused when it already had.
        var proposal = leader.Client.ProposeAsync(KvMachine.Set("after", "no quorum"), CancellationToken.None);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => proposal);
        Assert.True(
            error is ProposalOutcomeUnknownException || error is ProposalRejectedException { Reason: RejectionReason.NoLeader },
            $"unexpected {error.GetType().Name}: {error.Message}");
        await TestCluster.Eventually(() => leader.Client.Status.LeaderId == 0, "the lone member knows no leader");
        var refused = await Assert.ThrowsAsync<ProposalRejectedException>(() => leader.Client.ProposeAsync(KvMachine.Set("after", "x"), CancellationToken.None));
        Assert.Equal(RejectionReason.NoLeader, refused.Reason);
        Assert.Equal(0, leader.Runtime.Inflight);
        Assert.Null(await TestCluster.ValueAsync(leader, "after"));
    }
}
