using Kernel.Sdk.Crdt;
using Microsoft.Extensions.Configuration;

namespace MyPlugin.Tests;

public sealed class GCounterTests
{
    private readonly GCounterType _type = new();

    [Fact]
    public void Replicas_that_exchange_states_in_any_order_read_the_same_count()
    {
        var a = Counter("a", 3);
        var b = Counter("b", 5);
        var c = Counter("c", 2);

        var abc = Copy(a, "x");
        abc.Merge(b);
        abc.Merge(c);
        var cba = Copy(c, "y");
        cba.Merge(b);
        cba.Merge(a);

        Assert.Equal(10L, abc.Value);
        Assert.Equal(10L, cba.Value);
        Assert.Equal(abc.Encode(), cba.Encode());
    }

    [Fact]
    public void Merge_is_idempotent_and_keeps_the_maximum_per_replica()
    {
        var a = Counter("a", 4);
        var stale = Copy(a, "a");
        a.Merge(stale);
        a.Merge(stale);
        Assert.Equal(4L, a.Value);

        ((GCounter)a).Increment(2);
        stale.Merge(a);
        Assert.Equal(6L, stale.Value);
        a.Merge(Counter("a", 1)); // an older state of the same replica changes nothing
        Assert.Equal(6L, a.Value);
    }

    [Fact]
    public void A_state_round_trips_and_garbage_is_refused()
    {
        var a = Counter("a", 7);
        a.Merge(Counter("b", 2));
        var decoded = _type.Decode("a", a.Encode());
        Assert.Equal(9L, decoded.Value);
        Assert.Equal(a.Encode(), decoded.Encode());
        Assert.Throws<FormatException>(() => _type.Decode("a", new byte[] { 1, 0 }));
        Assert.Throws<FormatException>(() => _type.Decode("a", new byte[] { 255, 255, 255, 127 }));
    }

    [Fact]
    public void Increments_are_never_negative_and_merge_refuses_other_types()
    {
        var a = (GCounter)_type.Create("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Increment(-1));
        Assert.Throws<ArgumentException>(() => a.Merge(new OtherCrdt()));
    }

    [Fact]
    public void No_options_are_valid_and_any_option_is_reported()
    {
        Assert.Empty(_type.ValidateOptions(Options()));
        var errors = _type.ValidateOptions(Options(("max", "3")));
        Assert.Equal(["Option 'max' is not known; known options: none."], errors);
    }

    private ICrdt Counter(string replica, long count)
    {
        var counter = (GCounter)_type.Create(replica);
        counter.Increment(count);
        return counter;
    }

    private ICrdt Copy(ICrdt counter, string replica) => _type.Decode(replica, counter.Encode());

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private sealed class OtherCrdt : ICrdt
    {
        public object? Value => null;

        public void Merge(ICrdt other)
        {
        }

        public byte[] Encode() => [];
    }
}
