using CrdtPlugin;
using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;

namespace Kernel.Sdk.Tests.Crdt;

public sealed class OrSetLawTests : CrdtLaws
{
    private static readonly string[] Elements = ["a", "b", "c", "d"];

    protected override ICrdtType Type { get; } = new OrSetType();

    protected override string RandomOperation(Random random) =>
        (random.Next(3) == 0 ? "remove " : "add ") + Elements[random.Next(Elements.Length)];

    [Property(MaxTest = 200)]
    public bool At_one_replica_it_behaves_as_a_set(int seed)
    {
        // riak_dt's sequential model: a single replica's history reads as a plain set would.
        var random = new Random(seed);
        var state = Type.Empty();
        var model = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = random.Next(1, 30); i > 0; i--)
        {
            var operation = RandomOperation(random);
            state = Type.Update(state, new NodeId(1), operation).State;
            var element = operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            _ = operation.StartsWith("add", StringComparison.Ordinal) ? model.Add(element) : model.Remove(element);
        }

        return Type.Read(state) == "[" + string.Join(", ", model) + "]";
    }

    [Fact]
    public void An_add_concurrent_with_a_remove_wins_and_a_seen_add_is_removed()
    {
        var added = Type.Update(Type.Empty(), new NodeId(1), "add x").State;
        var atTwo = Type.Merge(Type.Empty(), added);
        var removed = Type.Update(atTwo, new NodeId(2), "remove x");
        var readded = Type.Update(added, new NodeId(1), "add x");

        Assert.Equal("[]", Type.Read(Type.MergeDelta(added, removed.Delta)));
        Assert.Equal("[x]", Type.Read(Type.Merge(removed.State, readded.State)));
        Assert.Equal("[x]", Type.Read(Type.MergeDelta(removed.State, readded.Delta)));
    }

    [Fact]
    public void A_delta_carries_only_what_the_update_changed()
    {
        var state = Type.Empty();
        foreach (var e in Elements)
        {
            state = Type.Update(state, new NodeId(1), "add " + e).State;
        }

        var delta = Type.Update(state, new NodeId(1), "add e").Delta;
        Assert.Equal("[e]", Type.Read(delta));
        Assert.True(delta.Length < state.Length);
    }
}
