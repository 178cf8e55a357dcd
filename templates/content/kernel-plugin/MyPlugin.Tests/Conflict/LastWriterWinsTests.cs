using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin.Tests;

public sealed class LastWriterWinsTests
{
    [Fact]
    public void The_latest_timestamp_wins_whatever_the_order()
    {
        var a = Version("a", 7);
        var b = Version("b", 9);
        var c = Version("c", 8);
        var strategy = new LastWriterWins();
        Assert.Same(b, strategy.Resolve(new Conflict("k", [a, b, c], null)).Resolved);
        Assert.Same(b, strategy.Resolve(new Conflict("k", [c, b, a], null)).Resolved);
    }

    [Fact]
    public void A_tie_goes_to_the_greater_replica_id_by_default()
    {
        var strategy = new LastWriterWins();
        var resolution = strategy.Resolve(new Conflict("k", [Version("b", 5), Version("a", 5)], null));
        Assert.Equal("b", resolution.Resolved!.Replica);
        Assert.Equal("b", strategy.Resolve(new Conflict("k", [Version("a", 5), Version("b", 5)], null)).Resolved!.Replica);
    }

    [Fact]
    public void With_tieBreak_none_a_tie_is_left_unresolved()
    {
        var strategy = LastWriterWins.FromOptions(Options(("tieBreak", "none")));
        var resolution = strategy.Resolve(new Conflict("k", [Version("a", 5), Version("b", 5), Version("c", 4)], null));
        Assert.Null(resolution.Resolved);
        Assert.Contains("2 versions", resolution.Explanation, StringComparison.Ordinal);
        Assert.Equal("a", strategy.Resolve(new Conflict("k", [Version("a", 6), Version("b", 5)], null)).Resolved!.Replica);
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
        Assert.Throws<StrategyOptionsException>(() => LastWriterWins.FromOptions(Options(("tieBreak", "coin"))));
    }

    private static VersionedValue Version(string replica, long timestamp) =>
        new(replica, new byte[] { (byte)timestamp }, timestamp, new Dictionary<string, long>());

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
