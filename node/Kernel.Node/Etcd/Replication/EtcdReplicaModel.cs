using System.Buffers.Binary;
using System.Text;

using Kernel.Sdk.Replication;

namespace Kernel.Node.Etcd.Replication;

/// <summary>
/// The replica model a member serving etcd's KV API over a replication strategy hands its replica: get, put and delete of
/// one key, values as etcd's bytes (<see cref="KvModel"/> holds UTF-8 text and cannot delete unconditionally). Keys are
/// etcd's key bytes as Latin-1 strings, as the MVCC store holds them (<see cref="Mvcc.KeyRange"/>), so a key's string
/// order is etcd's byte order. A command is the operation byte, the key's length (little-endian 32-bit) and bytes, and
/// for a put the value's bytes to the end; a response is a byte (1: the key held a value before, 0: absent) and that
/// value's bytes to the end. Puts and deletes are blind writes (<see cref="ReplicaCommand.Overwrites"/>).
/// </summary>
internal sealed class EtcdReplicaModel : IReplicaModel
{
    private EtcdReplicaModel()
    {
    }

    /// <summary>What a command does.</summary>
    public enum Op : byte
    {
        /// <summary>Reads the key's value.</summary>
        Get = 0,

        /// <summary>Sets the key's value.</summary>
        Put = 1,

        /// <summary>Removes the key.</summary>
        Delete = 2,
    }

    /// <summary>The model.</summary>
    public static EtcdReplicaModel Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "etcd-kv";

    /// <summary>A get of <paramref name="key"/>.</summary>
    public static ReplicaCommand Get(string key) => Command(Op.Get, key, ReadOnlySpan<byte>.Empty);

    /// <summary>A put of <paramref name="value"/> at <paramref name="key"/>.</summary>
    public static ReplicaCommand Put(string key, ReadOnlySpan<byte> value) => Command(Op.Put, key, value);

    /// <summary>A delete of <paramref name="key"/>.</summary>
    public static ReplicaCommand Delete(string key) => Command(Op.Delete, key, ReadOnlySpan<byte>.Empty);

    /// <summary>Decodes a response: whether the key held a value (before a write; now, for a get) and that value.</summary>
    /// <exception cref="FormatException">The bytes are not a response of this model.</exception>
    public static (bool Found, ReadOnlyMemory<byte> Value) ReadResponse(ReadOnlyMemory<byte> response)
    {
        if (response.Length < 1 || response.Span[0] > 1)
        {
            throw new FormatException("Not a response of the etcd key-value replica model.");
        }

        return (response.Span[0] == 1, response[1..]);
    }

    /// <inheritdoc />
    public ReplicaCommand Describe(ReadOnlyMemory<byte> command)
    {
        var (op, key, _) = Decode(command);
        return new ReplicaCommand(key, op == Op.Get, command) { Overwrites = op != Op.Get };
    }

    /// <inheritdoc />
    public ModelOutcome Apply(ReplicaCommand command, ReadOnlyMemory<byte>? current)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (op, _, value) = Decode(command.Payload);
        var response = Response(current);
        return op switch
        {
            Op.Get => new ModelOutcome(current, response),
            Op.Put => new ModelOutcome(value, response),
            _ => new ModelOutcome(null, response),
        };
    }

    private static ReadOnlyMemory<byte> Response(ReadOnlyMemory<byte>? current)
    {
        if (current is not { } v)
        {
            return new byte[] { 0 };
        }

        var buffer = new byte[1 + v.Length];
        buffer[0] = 1;
        v.Span.CopyTo(buffer.AsSpan(1));
        return buffer;
    }

    private static ReplicaCommand Command(Op op, string key, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var keyBytes = Encoding.Latin1.GetBytes(key);
        var buffer = new byte[1 + 4 + keyBytes.Length + value.Length];
        buffer[0] = (byte)op;
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(1), keyBytes.Length);
        keyBytes.CopyTo(buffer.AsSpan(5));
        value.CopyTo(buffer.AsSpan(5 + keyBytes.Length));
        return new ReplicaCommand(key, op == Op.Get, buffer) { Overwrites = op != Op.Get };
    }

    private static (Op Op, string Key, ReadOnlyMemory<byte> Value) Decode(ReadOnlyMemory<byte> command)
    {
        var span = command.Span;
        if (span.Length < 5 || span[0] > (byte)Op.Delete)
        {
            throw new FormatException("Not a command of the etcd key-value replica model.");
        }

        var n = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
        if (n < 0 || n > span.Length - 5 || (span[0] != (byte)Op.Put && span.Length != 5 + n))
        {
            throw new FormatException("Not a command of the etcd key-value replica model.");
        }

        return ((Op)span[0], Encoding.Latin1.GetString(span.Slice(5, n)), command[(5 + n)..]);
    }
}
