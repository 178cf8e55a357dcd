using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Crdt;

public sealed class CausalContextTests
{
    private static readonly NodeId A = new(1), B = new(2);

    [Fact]
    public void Dots_beyond_the_vector_stay_in_the_cloud_until_the_gap_fills()
    {
        var context = CausalContext.Empty.Add(new Dot(A, 1)).Add(new Dot(A, 3));
        Assert.Equal(1, context.Vector[A]);
        Assert.Equal([new Dot(A, 3)], context.Cloud);
        Assert.False(context.Contains(new Dot(A, 2)));
        Assert.True(context.Contains(new Dot(A, 3)));

        var filled = context.Merge(CausalContext.From(VersionVector.Empty, [new Dot(A, 2)]));
        Assert.Equal(3, filled.Vector[A]);
        Assert.Empty(filled.Cloud);
        Assert.Equal(new Dot(A, 4), filled.Next(A));
    }

    [Fact]
    public void Merge_is_a_join_and_equal_contexts_encode_alike()
    {
        var x = CausalContext.From(VersionVector.Empty.With(A, 2), [new Dot(B, 2)]);
        var y = CausalContext.From(VersionVector.Empty.With(B, 1), [new Dot(A, 4)]);
        Assert.Equal(x.Merge(y), y.Merge(x));
        Assert.Equal(x.Merge(x), x);
        Assert.Equal(Encode(x.Merge(y)), Encode(y.Merge(x)));
        Assert.Equal(2, x.Merge(y).Vector[B]);
        Assert.Equal([new Dot(A, 4)], x.Merge(y).Cloud);
    }

    [Fact]
    public void A_context_that_is_not_compact_is_refused()
    {
        var writer = new CrdtWriter();
        VersionVector.Empty.Encode(writer);
        writer.WriteCount(1);
        writer.WriteDot(new Dot(A, 1)); // belongs in the vector
        Assert.Throws<FormatException>(() =>
        {
            var reader = new CrdtReader(writer.ToArray());
            CausalContext.Decode(ref reader);
        });
    }

    [Fact]
    public void A_cloud_dot_with_counter_zero_is_a_format_error()
    {
        var writer = new CrdtWriter();
        VersionVector.Empty.Encode(writer);
        writer.WriteCount(1);
        writer.WriteDot(new Dot(A, 0));
        Assert.Throws<FormatException>(() =>
        {
            var reader = new CrdtReader(writer.ToArray());
            CausalContext.Decode(ref reader);
        });
    }

    private static byte[] Encode(CausalContext c)
    {
        var writer = new CrdtWriter();
        c.Encode(writer);
        return writer.ToArray();
    }
}
