using System.Buffers;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;

using UltimateConsensus.Zab;

namespace UltimateConsensus.Tests.Zab;

public sealed class ZabUnitTests
{
    private static readonly NodeId A = new(1);
    private static readonly NodeId B = new(2);

    public static TheoryData<string> Messages() => [.. AllMessages().Select(m => m.ToString()!)];

    private static IEnumerable<ZabMessage> AllMessages()
    {
        var entries = new[] { new LogEntry(7, 3, EntryKind.Noop, ReadOnlyMemory<byte>.Empty), new LogEntry(8, 3, EntryKind.Command, new byte[] { 1, 2, 3 }) };
        var membership = new Membership([A, B, new NodeId(3)]);
        yield return new Notification(A, B, 4, PeerState.Following, new NodeId(3), 2, 2, 9);
        yield return new FollowerInfo(A, B, 5);
        yield return new LeaderInfo(A, B, 6);
        yield return new AckEpoch(A, B, 6, 5, 5, 40, false, [new EpochBoundary(1, 10), new EpochBoundary(5, 40)]);
        yield return new Sync(A, B, 6, SyncMode.Trunc, 6, null, entries, 5);
        yield return new Sync(A, B, 6, SyncMode.Snap, 0, new Snapshot(6, 2, membership, new byte[] { 9, 9 }), entries, 6);
        yield return new Ack(A, B, 6, 8, true);
        yield return new Proposal(A, B, 6, entries, 7);
        yield return new Commit(A, B, 6, 8);
    }

    [Fact]
    public void Every_message_survives_the_codec()
    {
        foreach (var m in AllMessages())
        {
            var buffer = new ArrayBufferWriter<byte>();
            ZabCodec.Instance.Encode(m, buffer);
            var decoded = ZabCodec.Instance.Decode(buffer.WrittenSpan);
            Assert.Equal(m.ToString(), decoded.ToString());
            Assert.Equal(m.GetType(), decoded.GetType());

            // Trailing bytes and every truncation are refused as malformed input, never read past.
            var longer = buffer.WrittenSpan.ToArray().Append((byte)0).ToArray();
            Assert.Throws<FormatException>(() => ZabCodec.Instance.Decode(longer));
            for (var cut = 0; cut < buffer.WrittenCount; cut++)
            {
                var prefix = buffer.WrittenSpan[..cut].ToArray();
                Assert.ThrowsAny<Exception>(() => ZabCodec.Instance.Decode(prefix));
            }
        }
    }

    [Fact]
    public void An_unknown_tag_is_a_format_error()
    {
        var error = Assert.Throws<FormatException>(() => ZabCodec.Instance.Decode(new byte[] { 99, 2, 4 }));
        Assert.Contains("tag 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hard_state_round_trips_and_rejects_damage()
    {
        var state = new ZabHardState(7, 6, 120);
        Assert.Equal(state, ZabHardState.Decode(state.Encode()));
        Assert.Equal(default, ZabHardState.Decode(ReadOnlySpan<byte>.Empty));
        Assert.Throws<FormatException>(() => ZabHardState.Decode(state.Encode().AsSpan(1)));
        Assert.Throws<FormatException>(() => ZabHardState.Decode(new ZabHardState(3, 4, 0).Encode())); // currentEpoch past acceptedEpoch
    }

    [Fact]
    public void Options_default_valid_and_bad_ones_are_named()
    {
        var strategy = new ZabStrategy();
        Assert.Empty(strategy.ValidateOptions(StrategyTests.Config()));
        Assert.Equal(("zab", StrategyCategory.Consensus), (strategy.Name, strategy.Category));
        var errors = strategy.ValidateOptions(StrategyTests.Config(("heartbeatIntervalTicks", "12"), ("initLimitTicks", "5"), ("bogus", "1")));
        Assert.Contains(errors, e => e.Contains("heartbeatIntervalTicks", StringComparison.Ordinal) && e.Contains("syncLimitTicks", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("initLimitTicks", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("bogus", StringComparison.Ordinal));
        Assert.Throws<StrategyOptionsException>(() => strategy.CreateNode(new ConsensusNodeOptions
        {
            Id = A,
            InitialMembership = new Membership([A]),
            Recovered = RecoveredState.Empty,
            Random = new Random(1),
            Options = StrategyTests.Config(("syncLimitTicks", "x")),
        }));
    }

    [Fact]
    public void Capabilities_are_what_the_protocol_does()
    {
        var c = new ZabStrategy().Capabilities;
        Assert.False(c.ReadIndex);
        Assert.False(c.LeadershipTransfer);
        Assert.Equal(MembershipChanges.None, c.MembershipChanges);
        Assert.Same(QuorumRule.Majority, c.Quorum);
    }

    [Fact]
    public void A_cluster_elects_one_leader_commits_and_elects_again_when_it_crashes()
    {
        var cluster = SimCluster.Create(new ZabStrategy(), new SimulationOptions { Seed = 3, Nodes = 5, Clients = 0, Invariant = PrimaryOrderInvariants.Factory });
        Assert.True(cluster.RunUntil(c => !c.Leader().IsNone, TimeSpan.FromSeconds(5)));
        var leader = cluster.Leader();
        var first = (ZabNode)cluster.GetNode(leader)!;
        Assert.True(first.Established);
        Assert.Equal(first.AcceptedEpoch, first.CurrentEpoch);
        Assert.True(cluster.Propose(leader, "one"u8.ToArray()).Accepted);
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.AppliedIndex(n) >= 2), TimeSpan.FromSeconds(5)));

        cluster.Crash(leader);
        Assert.True(cluster.RunUntil(c => !c.Leader().IsNone && c.Leader() != leader, TimeSpan.FromSeconds(5)));
        var second = (ZabNode)cluster.GetNode(cluster.Leader())!;
        Assert.True(second.AcceptedEpoch > first.AcceptedEpoch, "a new leader proposes an epoch above every accepted one");
        Assert.True(cluster.Propose(cluster.Leader(), "two"u8.ToArray()).Accepted);
        cluster.Restart(leader);
        Assert.True(cluster.RunUntil(c => c.Nodes.All(n => c.AppliedIndex(n) >= 4), TimeSpan.FromSeconds(5)));
        Assert.Empty(cluster.Violations);
    }

    [Fact]
    public void Followers_refuse_proposals_and_name_the_leader()
    {
        var cluster = SimCluster.Create(new ZabStrategy(), new SimulationOptions { Seed = 5, Nodes = 3, Clients = 0 });
        Assert.True(cluster.RunUntil(c => !c.Leader().IsNone && c.Nodes.All(n => c.Status(n)!.Role != ConsensusRole.ViewChange), TimeSpan.FromSeconds(5)));
        var follower = cluster.Nodes.First(n => n != cluster.Leader());
        var refused = cluster.Propose(follower, "x"u8.ToArray());
        Assert.False(refused.Accepted);
        Assert.Equal(cluster.Leader(), refused.LeaderHint);
        Assert.False(cluster.GetNode(follower)!.ReadIndex(ReadOnlyMemory<byte>.Empty));
        Assert.False(cluster.GetNode(cluster.Leader())!.TransferLeadership(follower));
    }
}
