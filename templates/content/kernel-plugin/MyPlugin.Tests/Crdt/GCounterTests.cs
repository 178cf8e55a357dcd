using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin.Tests;

public sealed class GCounterTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);
    private readonly ICrdtType _type = new GCounterType();

    [Fact]
    public void Replicas_that_exchange_states_in_any_order_read_the_same_count_and_bytes()
    {
        var a = Counter(A, 3);
        var b = Counter(B, 5);
        var c = Counter(C, 2);
        var abc = _type.Merge(_type.Merge(a, b), c);
        var cba = _type.Merge(_type.Merge(c, b), a);
        Assert.Equal("10", _type.Read(abc));
        Assert.Equal(abc, cba);
    }

    [Fact]
    public void Merge_is_idempotent_and_a_delta_merges_like_the_whole_state()
    {
        var a = Counter(A, 4);
        Assert.Equal(a, _type.Merge(a, a));
        var update = _type.Update(a, A, "inc 2");
        var elsewhere = _type.Merge(Counter(B, 1), a);
        Assert.Equal(_type.Merge(elsewhere, update.State), _type.MergeDelta(elsewhere, update.Delta));
        Assert.Equal("7", _type.Read(_type.MergeDelta(elsewhere, update.Delta)));
    }

    [Fact]
    public void A_state_round_trips_and_garbage_is_refused()
    {
        var a = _type.Merge(Counter(A, 7), Counter(B, 2));
        Assert.Equal(a, _type.Merge(a, _type.Empty()));
        Assert.Throws<FormatException>(() => _type.Read([1, 0]));
        Assert.Throws<FormatException>(() => _type.Read([.. a, 0]));
    }

    [Fact]
    public void Increments_are_positive_and_unknown_operations_are_refused()
    {
        Assert.Throws<FormatException>(() => _type.Update(_type.Empty(), A, "inc -1"));
        var error = Assert.Throws<FormatException>(() => _type.Update(_type.Empty(), A, "dec"));
        Assert.Contains("operations: inc, inc N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_options_are_valid_and_any_option_is_reported()
    {
        var strategy = new GCounterStrategy();
        Assert.Empty(strategy.ValidateOptions(Options()));
        Assert.Equal(["Option 'max' is not known; known options: none."], strategy.ValidateOptions(Options(("max", "3"))));
    }

    private byte[] Counter(NodeId replica, long count) => _type.Update(_type.Empty(), replica, $"inc {count}").State;

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
