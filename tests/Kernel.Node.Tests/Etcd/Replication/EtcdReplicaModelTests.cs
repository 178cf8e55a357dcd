using System.Text;

using Kernel.Node.Etcd.Replication;

namespace Kernel.Node.Tests.Etcd.Replication;

public sealed class EtcdReplicaModelTests
{
    private static readonly EtcdReplicaModel Model = EtcdReplicaModel.Instance;

    [Fact]
    public void A_put_sets_the_bytes_and_answers_the_value_before()
    {
        byte[] binary = [0, 255, 10, 13, 128];
        var put = EtcdReplicaModel.Put("k", binary);

        var first = Model.Apply(put, null);
        var second = Model.Apply(put, "old"u8.ToArray());

        Assert.Equal(binary, first.Value!.Value.ToArray());
        Assert.False(EtcdReplicaModel.ReadResponse(first.Response).Found);
        var (found, previous) = EtcdReplicaModel.ReadResponse(second.Response);
        Assert.True(found);
        Assert.Equal("old", Encoding.UTF8.GetString(previous.Span));
        Assert.Equal((false, true), (put.ReadOnly, put.Overwrites));
    }

    [Fact]
    public void A_get_changes_nothing_and_a_delete_leaves_the_key_absent()
    {
        var current = (ReadOnlyMemory<byte>?)"v"u8.ToArray();

        var get = Model.Apply(EtcdReplicaModel.Get("k"), current);
        var delete = Model.Apply(EtcdReplicaModel.Delete("k"), current);
        var absent = Model.Apply(EtcdReplicaModel.Get("k"), null);

        Assert.Equal("v", Encoding.UTF8.GetString(get.Value!.Value.Span));
        Assert.Equal((true, "v"), (EtcdReplicaModel.ReadResponse(get.Response).Found, Encoding.UTF8.GetString(EtcdReplicaModel.ReadResponse(get.Response).Value.Span)));
        Assert.Null(delete.Value);
        Assert.True(EtcdReplicaModel.ReadResponse(delete.Response).Found);
        Assert.Null(absent.Value);
        Assert.False(EtcdReplicaModel.ReadResponse(absent.Response).Found);
        Assert.Equal((true, false), (EtcdReplicaModel.Get("k").ReadOnly, EtcdReplicaModel.Get("k").Overwrites));
        Assert.Equal((false, true), (EtcdReplicaModel.Delete("k").ReadOnly, EtcdReplicaModel.Delete("k").Overwrites));
    }

    [Fact]
    public void Describe_reads_back_the_key_of_any_bytes_etcd_allows()
    {
        var key = "a/\u00ff\u0001key"; // etcd's key bytes as Latin-1
        foreach (var command in new[] { EtcdReplicaModel.Get(key), EtcdReplicaModel.Put(key, "v"u8), EtcdReplicaModel.Delete(key) })
        {
            var described = Model.Describe(command.Payload);
            Assert.Equal(command, described with { Payload = command.Payload });
            Assert.Equal(key, described.Key);
        }
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 3, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 5, 0, 0, 0, (byte)'k' })]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, (byte)'k', (byte)'x' })]
    public void Bytes_that_are_no_command_are_refused(byte[] bytes)
    {
        Assert.Throws<FormatException>(() => Model.Describe(bytes));
        Assert.Throws<FormatException>(() => Model.Apply(new Kernel.Sdk.Replication.ReplicaCommand("k", false, bytes), null));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 2 })]
    public void Bytes_that_are_no_response_are_refused(byte[] bytes) =>
        Assert.Throws<FormatException>(() => EtcdReplicaModel.ReadResponse(bytes));
}
