using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Messaging;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace UltimateConsensus.Tests;

public sealed class StrategyTests
{
    internal static IConfiguration Config(params (string Key, string Value)[] values) => new FlatConfiguration(values.ToDictionary(v => v.Key, v => v.Value));

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
        using var storage = strategy.OpenStorage(new Storage.MemoryDirectory());
        Assert.Empty(storage.Recovered.Entries);
    }

    [Fact]
    public void PluginRegistersRaft()
    {
        var context = new Context();
        new UltimateConsensusPlugin().Register(context);
        Assert.IsType<RaftStrategy>(Assert.Single(context.Added));
    }

    private sealed class Context : IPluginContext, IStrategyRegistrar
    {
        public List<IStrategy> Added { get; } = [];

        public string PluginId => "ultimate-consensus";

        public IStrategyRegistrar Strategies => this;

        public IMessageBus Bus => throw new NotSupportedException();

        public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public void Add(IStrategy strategy) => Added.Add(strategy);
    }

    /// <summary>A flat key/value <see cref="IConfiguration"/> (the test project does not carry Microsoft.Extensions.Configuration).</summary>
    private sealed class FlatConfiguration(Dictionary<string, string> values, string path = "") : IConfigurationSection
    {
        public string? this[string key]
        {
            get => values.TryGetValue(key, out var v) ? v : null;
            set => throw new NotSupportedException();
        }

        public string Key => path;

        public string Path => path;

        public string? Value
        {
            get => path.Length == 0 ? null : values.GetValueOrDefault(path);
            set => throw new NotSupportedException();
        }

        public IEnumerable<IConfigurationSection> GetChildren() =>
            path.Length == 0 ? values.Keys.Select(k => new FlatConfiguration(values, k)) : [];

        public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

        public IConfigurationSection GetSection(string key) => new FlatConfiguration(values, key);
    }
}
