using System.Buffers;
using System.Text;

using Kernel.Node.Runtime;
using Kernel.Storage.Codec;

namespace Kernel.Node.Tests;

/// <summary>
/// The tests' replicated state machine: a string register per key. A command is <c>key=value</c>; Apply returns the
/// number of commands applied so far (so a proposer can see its own response), and counts every call. Responses travel
/// as 8 little-endian bytes (a ReplicaQuorum strategy's replicas reply with them).
/// </summary>
internal sealed class KvMachine : IReplicatedStateMachine, IResponseCodec
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    public long AppliedIndex { get; private set; }

    public long Commands { get; private set; }

    public int Restores { get; private set; }

    public static ReadOnlyMemory<byte> Set(string key, string value) => Encoding.UTF8.GetBytes(key + "=" + value);

    public string? Get(string key) => _values.GetValueOrDefault(key);

    public int Count => _values.Count;

    public object? Apply(long index, ReadOnlyMemory<byte> command)
    {
        Assert.True(index > AppliedIndex, $"index {index} applied after {AppliedIndex}");
        var text = Encoding.UTF8.GetString(command.Span);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        _values[text[..eq]] = text[(eq + 1)..];
        AppliedIndex = index;
        return ++Commands;
    }

    public void Skip(long index)
    {
        Assert.True(index > AppliedIndex, $"index {index} skipped after {AppliedIndex}");
        AppliedIndex = index;
    }

    /// <summary>When set, snapshot encodings (off the member's loop) wait for it.</summary>
    public ManualResetEventSlim? SnapshotGate { get; set; }

    /// <summary>Snapshot encodings started (captures taken on the loop).</summary>
    public int Captures { get; private set; }

    public Func<ReadOnlyMemory<byte>> CaptureSnapshot()
    {
        Captures++;
        var data = Snapshot();
        var gate = SnapshotGate;
        return () =>
        {
            gate?.Wait(TestCluster.Patience);
            return data;
        };
    }

    public ReadOnlyMemory<byte> Snapshot()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var output = new BinaryOut(buffer);
        output.Varint(AppliedIndex);
        output.Varint(Commands);
        output.Int(_values.Count);
        foreach (var (key, value) in _values)
        {
            output.Bytes(Encoding.UTF8.GetBytes(key));
            output.Bytes(Encoding.UTF8.GetBytes(value));
        }

        return buffer.WrittenMemory.ToArray();
    }

    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        _values.Clear();
        Restores++;
        if (snapshot.IsEmpty)
        {
            AppliedIndex = 0;
            Commands = 0;
            return;
        }

        var input = new BinaryIn(snapshot);
        AppliedIndex = input.Varint();
        Commands = input.Varint();
        var count = input.Int();
        for (var i = 0; i < count; i++)
        {
            var key = Encoding.UTF8.GetString(input.BytesSpan());
            _values[key] = Encoding.UTF8.GetString(input.BytesSpan());
        }

        input.End();
    }

    public byte[] EncodeResponse(object? response)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, (long)response!);
        return bytes;
    }

    public object? DecodeResponse(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 8 ? System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes) : throw new FormatException("not a KvMachine response");
}
