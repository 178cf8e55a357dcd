using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin.Tests;

public sealed class LastWriterWinsTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);

    [Fact]
    public void The_latest_timestamp_wins_whatever_the_order()
    {
        var a = Version(A, 7);
        var b = Version(B, 9);
        var c = Version(C, 8);
        var resolver = Create();
        Assert.Same(b, resolver.Resolve(new Conflict("k", [a, b, c], null)).Resolved);
        Assert.Same(b, resolver.Resolve(new Conflict("k", [c, b, a], null)).Resolved);
    }

    [Fact]
    public void A_tie_goes_to_the_greater_replica_id_by_default()
    {
        var resolver = Create();
        Assert.Equal(B, resolver.Resolve(new Conflict("k", [Version(B, 5), Version(A, 5)], null)).Resolved!.Replica);
        Assert.Equal(B, resolver.Resolve(new Conflict("k", [Version(A, 5), Version(B, 5)], null)).Resolved!.Replica);
    }

    [Fact]
    public void With_tieBreak_none_a_tie_is_kept_as_siblings()
    {
        var resolver = Create(("tieBreak", "none"));
        var resolution = resolver.Resolve(new Conflict("k", [Version(A, 5), Version(B, 5), Version(C, 4)], null));
        Assert.Null(resolution.Resolved);
        Assert.Equal([B, A], resolution.Kept.Select(v => v.Replica));
        Assert.Contains("2 versions", resolution.Explanation, StringComparison.Ordinal);
        Assert.Equal(A, resolver.Resolve(new Conflict("k", [Version(A, 6), Version(B, 5)], null)).Resolved!.Replica);
    }

    [Fact]
    public void Valid_options_give_no_errors()
    {
        var strategy = new LastWriterWins();
        Assert.Empty(strategy.ValidateOptions(Options()));
        Assert.Empty(strategy.ValidateOptions(Options(("tieBreak", "NONE"))));
    }

    [Fact]
    public void Invalid_options_are_named_with_what_is_allowed()
    {
        var errors = new LastWriterWins().ValidateOptions(Options(("tieBreak", "coin"), ("colour", "red")));
        Assert.Equal(2, errors.Count);
        Assert.Contains("Option 'tieBreak' is 'coin'; allowed values replica-id, none.", errors);
        Assert.Contains("Option 'colour' is not known; known options: tieBreak.", errors);
        Assert.Throws<StrategyOptionsException>(() => Create(("tieBreak", "coin")));
    }

    private static IConflictResolver Create(params (string Key, string Value)[] options) =>
        new LastWriterWins().Create(new StrategyInstanceContext { Name = "last-writer-wins", Options = Options(options), Strategies = new NoStrategies() });

    private static VersionedValue Version(NodeId replica, long timestamp) =>
        new(replica, new byte[] { (byte)timestamp }, timestamp, VersionVector.Empty);

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    /// <summary>This strategy references no other; a resolver that has none.</summary>
    private sealed class NoStrategies : IStrategyResolver
    {
        public StrategyLease<IConflictResolver> GetConflictResolver(string reference) => throw new StrategyResolutionException($"{reference}: no strategies here");

        public StrategyLease<ICrdtType> GetCrdtType(string reference) => throw new StrategyResolutionException($"{reference}: no strategies here");
    }
}
