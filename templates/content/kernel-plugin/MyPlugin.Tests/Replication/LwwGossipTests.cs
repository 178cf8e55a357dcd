using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;

namespace MyPlugin.Tests;

public sealed class LwwGossipTests
{
    private readonly LwwGossipStrategy _strategy = new();

    [Fact]
    public void Replicas_converge_and_keep_every_acknowledged_write_under_every_fault()
    {
        // Partitions, crashes (with torn unsynced writes), loss, duplication, reordering, clock drift, pauses: the defaults.
        var summary = Verifier.Run(_strategy, new VerifyOptions { FirstSeed = 1, Seeds = 10 });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
        Assert.Equal(10, summary.SeedsRun);
        Assert.True(summary.Operations.Ok > 10 * 100, "the workload does real work");
    }

    [Fact]
    public void A_gossip_message_round_trips_through_the_codec()
    {
        var message = new LwwGossipMessage(new NodeId(1), new NodeId(2), [new LwwEntry("k", "v"u8.ToArray(), 7, 1), new LwwEntry("j", [], 3, 2)]);
        var buffer = new ArrayBufferWriter<byte>();
        _strategy.Codec.Encode(message, buffer);
        var decoded = Assert.IsType<LwwGossipMessage>(_strategy.Codec.Decode(buffer.WrittenSpan));
        Assert.Equal(message.From, decoded.From);
        Assert.Equal(message.To, decoded.To);
        Assert.Equal(message.Entries.Select(Show), decoded.Entries.Select(Show));
        Assert.Throws<FormatException>(() => _strategy.Codec.Decode(buffer.WrittenSpan[..^3]));
    }

    private static string Show(LwwEntry e) => $"{e.Key}={Convert.ToHexString(e.Value)}@{e.Timestamp}/{e.Origin}";

    [Fact]
    public void The_later_version_wins_and_ties_are_broken_the_same_way_everywhere()
    {
        var older = new LwwEntry("k", "a"u8.ToArray(), 1, 3);
        var newer = new LwwEntry("k", "b"u8.ToArray(), 2, 1);
        Assert.True(newer.Beats(older));
        Assert.False(older.Beats(newer));
        var x = new LwwEntry("k", "x"u8.ToArray(), 5, 1);
        var y = new LwwEntry("k", "y"u8.ToArray(), 5, 2);
        Assert.True(y.Beats(x) ^ x.Beats(y));
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Empty(_strategy.ValidateOptions(Options()));
        Assert.Empty(_strategy.ValidateOptions(Options(("gossipIntervalTicks", "10"))));
        var errors = _strategy.ValidateOptions(Options(("gossipIntervalTicks", "0"), ("fanout", "2")));
        Assert.Equal(2, errors.Count);
        Assert.Contains("Option 'gossipIntervalTicks' is 0; allowed range 1..10000.", errors);
        Assert.Contains("Option 'fanout' is not known; known options: gossipIntervalTicks.", errors);
    }

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
