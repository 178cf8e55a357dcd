using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Xunit;

namespace Kernel.Sdk.Tests.Replication;

public sealed class KvModelTests
{
    private static readonly IReplicaModel Model = KvModel.Instance;

    public static Arbitrary<KvCommand> Commands()
    {
        var text = Gen.Elements("", "a", "v1", "+2", "é€", null);
        var gen = from op in Gen.Elements(KvOp.Get, KvOp.Put, KvOp.Append, KvOp.Cas)
                  from key in Gen.Elements("k", "key/with/slashes", "ü")
                  from value in text
                  from expected in text
                  select new KvCommand(op, key, op == KvOp.Get ? null : value, op == KvOp.Cas ? expected : null);
        return gen.ToArbitrary();
    }

    [Property(Arbitrary = [typeof(KvModelTests)])]
    public void A_command_round_trips_through_its_bytes(KvCommand command)
    {
        var encoded = KvModel.Command(command);
        Assert.Equal(command.Key, encoded.Key);
        Assert.Equal(command.Op == KvOp.Get, encoded.ReadOnly);
        Assert.Equal(command.Op == KvOp.Put, encoded.Overwrites);
        Assert.True(KvModel.TryReadCommand(encoded.Payload.Span, out var decoded));
        Assert.Equal(command, decoded);
        Assert.Equal(encoded with { }, Model.Describe(encoded.Payload) with { Payload = encoded.Payload });
    }

    /// <summary>The byte-level model and the text semantics the consensus state machine applies agree on every command and value.</summary>
    [Property(Arbitrary = [typeof(KvModelTests)])]
    public void Applying_bytes_agrees_with_the_text_semantics(KvCommand command, bool present)
    {
        string? current = present ? "v1" : null;
        var expected = KvModel.Apply(command, current, out var next);
        var outcome = Model.Apply(KvModel.Command(command), current is null ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(current));
        Assert.Equal(expected, KvModel.ReadResult(outcome.Response));
        Assert.Equal(next, KvModel.Text(outcome.Value));
    }

    [Fact]
    public void A_read_and_a_failed_cas_leave_the_value_as_it_was()
    {
        ReadOnlyMemory<byte> held = "v1"u8.ToArray();
        var read = Model.Apply(KvModel.Command(new KvCommand(KvOp.Get, "k")), held);
        Assert.Equal("v1", KvModel.Text(read.Value));
        Assert.Equal(new KvResult(true, "v1"), KvModel.ReadResult(read.Response));

        var cas = Model.Apply(KvModel.Command(new KvCommand(KvOp.Cas, "k", "v2", "v0")), held);
        Assert.Equal("v1", KvModel.Text(cas.Value));
        Assert.Equal(new KvResult(false, "v1"), KvModel.ReadResult(cas.Response));
    }

    [Fact]
    public void A_cas_to_null_deletes_and_an_append_to_absent_starts_from_empty()
    {
        var delete = Model.Apply(KvModel.Command(new KvCommand(KvOp.Cas, "k", null, "v1")), "v1"u8.ToArray());
        Assert.Null(delete.Value);
        var append = Model.Apply(KvModel.Command(new KvCommand(KvOp.Append, "k", "+1")), null);
        Assert.Equal("+1", KvModel.Text(append.Value));
    }

    [Fact]
    public void Bytes_that_are_not_the_models_are_refused()
    {
        var good = KvModel.Command(new KvCommand(KvOp.Put, "k", "v")).Payload.ToArray();
        Assert.Throws<FormatException>(() => Model.Describe(good[..^1]));
        Assert.Throws<FormatException>(() => Model.Describe(new byte[] { 9, 0, 0, 0, 0 }));
        Assert.Throws<FormatException>(() => Model.Apply(new ReplicaCommand("k", false, new byte[] { 1 }), null));
        Assert.Throws<FormatException>(() => KvModel.ReadResult(new byte[] { 2, 255, 255, 255, 255 }));
        Assert.Equal(new KvResult(true, null), KvModel.ReadResult(KvModel.Response(new KvResult(true, null))));
    }
}
