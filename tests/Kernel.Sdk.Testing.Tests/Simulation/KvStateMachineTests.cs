using Kernel.Sdk.Cluster;
using Kernel.Sdk.Testing.Simulation;

namespace Kernel.Sdk.Testing.Tests.Simulation;

public sealed class KvStateMachineTests
{
    [Fact]
    public void Applies_get_put_append_cas()
    {
        var sm = new KvStateMachine();
        Assert.Equal(new KvResult(true, null), sm.Apply(new KvCommand(KvOp.Get, "k")));
        Assert.Equal(new KvResult(false, null), sm.Apply(new KvCommand(KvOp.Cas, "k", "x", "y")));
        Assert.Equal(new KvResult(true, "x"), sm.Apply(new KvCommand(KvOp.Cas, "k", "x", null)));
        Assert.Equal(new KvResult(true, "x+1"), sm.Apply(new KvCommand(KvOp.Append, "k", "+1")));
        Assert.Equal(new KvResult(true, "v"), sm.Apply(new KvCommand(KvOp.Put, "k", "v")));
        Assert.Equal("v", sm.Get("k"));
    }

    [Fact]
    public void Requests_round_trip_and_are_deduplicated()
    {
        var sm = new KvStateMachine();
        var bytes = new KvRequest(7, 1, new KvCommand(KvOp.Append, "k", "é")).Encode();
        Assert.True(KvRequest.TryDecode(bytes, out var decoded));
        Assert.Equal(7, decoded.ClientId);
        Assert.Equal(new KvCommand(KvOp.Append, "k", "é"), decoded.Command);
        Assert.Equal("é", sm.Apply(bytes, out _)!.Value);
        Assert.Equal("é", sm.Apply(bytes, out _)!.Value);
        Assert.Equal("é", sm.Get("k"));
        Assert.Null(sm.Apply([1, 2, 3], out _));
    }

    [Fact]
    public void Snapshot_restores_state_and_sessions()
    {
        var sm = new KvStateMachine();
        sm.Apply(new KvRequest(1, 1, new KvCommand(KvOp.Put, "a", "1")).Encode(), out _);
        sm.Apply(new KvRequest(2, 5, new KvCommand(KvOp.Put, "b", "2")).Encode(), out _);
        var snap = sm.Snapshot();
        var copy = new KvStateMachine();
        copy.Restore(snap);
        Assert.Equal(sm.Contents(), copy.Contents());
        Assert.Equal(snap, copy.Snapshot());
        copy.Apply(new KvRequest(2, 5, new KvCommand(KvOp.Put, "b", "changed")).Encode(), out _);
        Assert.Equal("2", copy.Get("b"));
        Assert.Throws<FormatException>(() => copy.Restore([9, 9]));
    }
}
