using CrdtPlugin;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Crdt;

public sealed class GCounterLawTests : CrdtLaws
{
    protected override ICrdtType Type { get; } = new GCounterType();

    protected override string RandomOperation(Random random) => random.Next(3) == 0 ? "inc" : $"inc {random.Next(1, 5)}";

    [Fact]
    public void The_count_is_every_increment_once_whatever_the_exchanges()
    {
        var a = Type.Update(Type.Empty(), new NodeId(1), "inc 3");
        var b = Type.Update(Type.Empty(), new NodeId(2), "inc 4");
        var merged = Type.MergeDelta(Type.MergeDelta(a.State, b.Delta), b.Delta);
        merged = Type.Merge(merged, a.State);
        Assert.Equal("7", Type.Read(merged));
        Assert.Equal("7", Type.Read(Type.Merge(b.State, a.State)));
    }

    [Fact]
    public void An_increment_is_positive()
    {
        var error = Assert.Throws<FormatException>(() => Type.Update(Type.Empty(), new NodeId(1), "inc -1"));
        Assert.Contains("operations: inc, inc N", error.Message, StringComparison.Ordinal);
    }
}
