using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Plugins;
using Kernel.Storage.Tests;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.Tests;

public sealed class StrategyTests
{
    internal static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void DefaultsAreValid()
    {
        var strategy = new RaftStrategy();
        Assert.Empty(strategy.ValidateOptions(Config()));
        Assert.Equal(("raft", StrategyCategory.Consensus), (strategy.Name, strategy.Category));
    }

    [Fact]
    public void ProblemsNameTheOptionAndTheAllowedRange()
    {
        var errors = new RaftStrategy().ValidateOptions(Config(
            ("electionTimeoutMinTicks", "30"),
            ("electionTimeoutMaxTicks", "20"),
            ("heartbeatIntervalTicks", "40"),
            ("maxInflightAppends", "0"),
            ("preVote", "maybe"),
            ("leaseReads", "true"),
            ("checkQuorum", "false"),
            ("bogus", "1")));
        Assert.Contains(errors, e => e.Contains("'electionTimeoutMinTicks'") && e.Contains("'electionTimeoutMaxTicks'"));
        Assert.Contains(errors, e => e.Contains("'heartbeatIntervalTicks'"));
        Assert.Contains(errors, e => e.Contains("'maxInflightAppends'") && e.Contains("1..65536"));
        Assert.Contains(errors, e => e.Contains("'preVote'"));
        Assert.Contains(errors, e => e.Contains("'leaseReads'"));
        Assert.Contains(errors, e => e.Contains("'bogus'") && e.Contains("not known"));
    }

    [Fact]
    public void CreatesANodeAndStorage()
    {
        var strategy = new RaftStrategy();
        var node = strategy.CreateNode(new ConsensusNodeOptions
        {
            Id = new NodeId(1),
            InitialMembership = new Membership([new NodeId(1)]),
            Recovered = RecoveredState.Empty,
            Random = new Random(1),
            Options = Config(("electionTimeoutMinTicks", "3"), ("electionTimeoutMaxTicks", "4"), ("heartbeatIntervalTicks", "1")),
        });
        for (var i = 0; i < 5; i++)
        {
            node.Tick();
        }

        Assert.Equal(ConsensusRole.Leader, node.Status.Role);
        using var storage = strategy.OpenStorage(new MemoryDirectory());
        Assert.Empty(storage.Recovered.Entries);
    }

    [Fact]
    public void PluginRegistersRaft() => Assert.Single(PluginProbe.Register(new UltimateConsensusPlugin()).OfType<RaftStrategy>());

    [Fact]
    public void PluginRegistersMultiPaxos() => Assert.Single(PluginProbe.Register(new UltimateConsensusPlugin()).OfType<MultiPaxosStrategy>());

    [Fact]
    public void MultiPaxosDefaultsAreValidAndProblemsNameTheOption()
    {
        var strategy = new MultiPaxosStrategy();
        Assert.Empty(strategy.ValidateOptions(Config()));
        Assert.Equal(("multi-paxos", StrategyCategory.Consensus), (strategy.Name, strategy.Category));
        var errors = strategy.ValidateOptions(Config(("electionTimeoutMinTicks", "30"), ("electionTimeoutMaxTicks", "20"), ("maxInflightAccepts", "0"), ("preVote", "true")));
        Assert.Contains(errors, e => e.Contains("'electionTimeoutMinTicks' (30) must be less than 'electionTimeoutMaxTicks' (20)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("maxInflightAccepts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("preVote", StringComparison.Ordinal));
        Assert.False(strategy.Capabilities.LeadershipTransfer);
        Assert.Equal(MembershipChanges.None, strategy.Capabilities.MembershipChanges);
        Assert.True(strategy.Capabilities.ReadIndex);
    }

    [Fact]
    public void PluginRegistersPbft() => Assert.Single(PluginProbe.Register(new UltimateConsensusPlugin()).OfType<PbftStrategy>());

    [Fact]
    public void PluginRegistersEveryConsensusProtocolOnce() =>
        Assert.Equal(["multi-paxos", "pbft", "raft", "vr", "zab"], PluginProbe.Register(new UltimateConsensusPlugin()).Select(s => s.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void PluginRegistersZab() => Assert.Single(PluginProbe.Register(new UltimateConsensusPlugin()).OfType<ZabStrategy>());
}
