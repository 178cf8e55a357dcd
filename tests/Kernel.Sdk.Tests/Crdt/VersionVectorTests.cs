using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Crdt;

public sealed class VersionVectorTests
{
    private static readonly NodeId A = new(1), B = new(2), C = new(3);

    [Fact]
    public void Compare_orders_by_causality()
    {
        var a1 = VersionVector.Empty.Increment(A, out _);
        var a1b1 = a1.Increment(B, out _);
        var a1c1 = a1.Increment(C, out _);
        Assert.Equal(VersionOrder.Same, a1.Compare(VersionVector.From([new(A, 1)])));
        Assert.Equal(VersionOrder.Before, a1.Compare(a1b1));
        Assert.Equal(VersionOrder.After, a1b1.Compare(a1));
        Assert.Equal(VersionOrder.Concurrent, a1b1.Compare(a1c1));
        Assert.Equal(VersionOrder.After, a1b1.Merge(a1c1).Compare(a1c1));
    }

    [Fact]
    public void Increment_gives_the_next_dot_and_contains_it()
    {
        var v = VersionVector.Empty.Increment(B, out var first).Increment(B, out var second);
        Assert.Equal(new Dot(B, 1), first);
        Assert.Equal(new Dot(B, 2), second);
        Assert.True(v.Contains(first) && v.Contains(second));
        Assert.False(v.Contains(new Dot(B, 3)));
        Assert.Equal(2, v[B]);
        Assert.Equal(0, v[A]);
    }

    [Fact]
    public void Equal_vectors_encode_alike_whatever_their_construction_and_round_trip()
    {
        var x = VersionVector.From([new(C, 2), new(A, 5), new(B, 0)]);
        var y = VersionVector.Empty.With(A, 5).With(C, 1).Merge(VersionVector.Empty.With(C, 2));
        Assert.Equal(x, y);
        Assert.Equal(Encode(x), Encode(y));
        var reader = new CrdtReader(Encode(x));
        Assert.Equal(x, VersionVector.Decode(ref reader));
        Assert.True(reader.IsAtEnd);
    }

    [Fact]
    public void A_vector_not_in_canonical_form_is_refused()
    {
        var writer = new CrdtWriter();
        writer.WriteCount(2);
        writer.WriteNode(B);
        writer.WriteCount(1);
        writer.WriteNode(A); // out of order
        writer.WriteCount(1);
        Assert.Throws<FormatException>(() =>
        {
            var reader = new CrdtReader(writer.ToArray());
            VersionVector.Decode(ref reader);
        });
    }

    private static byte[] Encode(VersionVector v)
    {
        var writer = new CrdtWriter();
        v.Encode(writer);
        return writer.ToArray();
    }
}
