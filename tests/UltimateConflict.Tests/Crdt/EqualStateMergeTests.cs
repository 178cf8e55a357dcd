using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using UltimateConflict.Crdt.Causal;
using UltimateConflict.Crdt.Counters;
using UltimateConflict.Crdt.Maps;
using UltimateConflict.Crdt.Sets;

namespace UltimateConflict.Tests.Crdt;

/// <summary>
/// Merging two equal states held in distinct instances (one decoded from the other's bytes, so they share no memory)
/// returns the first unchanged and allocates nothing: counted with the thread's allocated bytes, not timed.
/// </summary>
public sealed class EqualStateMergeTests
{
    [Fact]
    public void An_or_set_of_thousands_of_elements()
    {
        var type = new CausalType<OrSetStore>(new("or-set", 1024, "maxElementBytes"));
        var state = Causal<OrSetStore>.Empty;
        for (var i = 0; i < 3000; i++)
        {
            state = state.MergeDelta(type.Delta(state, new NodeId((i % 5) + 1), $"add {i % 5}-{i}"));
        }

        AssertMergeOfCopyAllocatesNothing(state);
    }

    [Fact]
    public void A_pn_counter_of_a_hundred_replicas()
    {
        var state = PnCounter.Empty;
        for (var r = 1; r <= 100; r++)
        {
            state = state.MergeDelta(state.AddDelta(new NodeId(r), r)).MergeDelta(state.AddDelta(new NodeId(r), -1));
        }

        AssertMergeOfCopyAllocatesNothing(state);
    }

    [Fact]
    public void An_lww_map_of_thousands_of_keys()
    {
        var state = LwwMap.Empty;
        for (var k = 0; k < 3000; k++)
        {
            state = state.MergeDelta(state.WriteDelta(new NodeId((k % 3) + 1), k, $"key-{k}", $"value-{k}"));
        }

        AssertMergeOfCopyAllocatesNothing(state);
    }

    private static void AssertMergeOfCopyAllocatesNothing<T>(T state)
        where T : class, IDeltaReplicatedData<T, T>
    {
        var copy = CrdtType<T, T>.Decode<T>(CrdtType<T, T>.Encode(state));
        Assert.NotSame(state, copy);
        _ = state.Merge(copy); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var merged = state.Merge(copy);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(state, merged);
        Assert.Equal(0, allocated);
    }
}
