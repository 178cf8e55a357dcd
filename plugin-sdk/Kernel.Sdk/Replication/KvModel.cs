using System.Buffers.Binary;
using System.Text;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Replication;

/// <summary>
/// The default <see cref="IReplicaModel"/>: the key-value state machine of <see cref="KvCommand"/> (get, put, append,
/// compare-and-set) over UTF-8 text values, the same semantics the simulator's consensus clusters apply. Commands encode
/// as the operation byte then the key, value and expected value (each a little-endian 32-bit length, -1 for null, and
/// UTF-8 bytes); responses as an ok byte then the value the same way.
/// </summary>
public sealed class KvModel : IReplicaModel
{
    private KvModel()
    {
    }

    /// <summary>The model.</summary>
    public static KvModel Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "kv";

    /// <summary>Encodes a command for a replica.</summary>
    public static ReplicaCommand Command(KvCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var buffer = new byte[1 + Size(command.Key) + Size(command.Value) + Size(command.Expected)];
        var span = buffer.AsSpan();
        span[0] = (byte)command.Op;
        var offset = 1;
        Write(span, ref offset, command.Key);
        Write(span, ref offset, command.Value);
        Write(span, ref offset, command.Expected);
        return new ReplicaCommand(command.Key, command.Op == KvOp.Get, buffer) { Overwrites = command.Op == KvOp.Put };
    }

    /// <summary>Decodes a command's bytes; false when they are not one.</summary>
    public static bool TryReadCommand(ReadOnlySpan<byte> data, out KvCommand command)
    {
        command = null!;
        var offset = 1;
        if (data.Length < 1 || data[0] > (byte)KvOp.Cas
            || !TryRead(data, ref offset, out var key) || key is null
            || !TryRead(data, ref offset, out var value) || !TryRead(data, ref offset, out var expected) || offset != data.Length)
        {
            return false;
        }

        command = new KvCommand((KvOp)data[0], key, value, expected);
        return true;
    }

    /// <summary>Decodes a response of this model.</summary>
    /// <exception cref="FormatException">The bytes are not a response of this model.</exception>
    public static KvResult ReadResult(ReadOnlyMemory<byte> response)
    {
        var data = response.Span;
        var offset = 1;
        if (data.Length < 1 || data[0] > 1 || !TryRead(data, ref offset, out var value) || offset != data.Length)
        {
            throw new FormatException("Not a response of the key-value model.");
        }

        return new KvResult(data[0] == 1, value);
    }

    /// <summary>A value as text; null for an absent key.</summary>
    public static string? Text(ReadOnlyMemory<byte>? value) => value is { } v ? Encoding.UTF8.GetString(v.Span) : null;

    /// <summary>
    /// The key-value semantics on text: applies a command to a key's current value (null when absent), giving the result
    /// and the value afterwards (<paramref name="next"/>, null when absent afterwards). A get changes nothing; a put sets
    /// the value (null puts the empty text); an append concatenates; a compare-and-set whose expectation holds sets the
    /// value (null deletes the key), and otherwise fails with the current value and changes nothing.
    /// </summary>
    public static KvResult Apply(KvCommand command, string? current, out string? next)
    {
        ArgumentNullException.ThrowIfNull(command);
        next = current;
        switch (command.Op)
        {
            case KvOp.Get:
                return new KvResult(true, current);
            case KvOp.Put:
                next = command.Value ?? string.Empty;
                return new KvResult(true, next);
            case KvOp.Append:
                next = string.Concat(current, command.Value);
                return new KvResult(true, next);
            case KvOp.Cas when !string.Equals(current, command.Expected, StringComparison.Ordinal):
                return new KvResult(false, current);
            case KvOp.Cas:
                next = command.Value;
                return new KvResult(true, command.Value);
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Op, "Unknown operation.");
        }
    }

    /// <inheritdoc />
    public ReplicaCommand Describe(ReadOnlyMemory<byte> command)
    {
        if (!TryReadCommand(command.Span, out var decoded))
        {
            throw new FormatException("Not a command of the key-value model.");
        }

        return new ReplicaCommand(decoded.Key, decoded.Op == KvOp.Get, command) { Overwrites = decoded.Op == KvOp.Put };
    }

    /// <inheritdoc />
    public ModelOutcome Apply(ReplicaCommand command, ReadOnlyMemory<byte>? current)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!TryReadCommand(command.Payload.Span, out var decoded))
        {
            throw new FormatException("Not a command of the key-value model.");
        }

        var result = Apply(decoded, Text(current), out var next);
        if (decoded.Op == KvOp.Get || !result.Ok)
        {
            return new ModelOutcome(current, Response(result));
        }

        ReadOnlyMemory<byte>? value = next is null ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(next);
        return new ModelOutcome(value, Response(result));
    }

    /// <summary>Encodes a result as this model's response (what <see cref="ReadResult"/> decodes).</summary>
    public static ReadOnlyMemory<byte> Response(KvResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var buffer = new byte[1 + Size(result.Value)];
        var span = buffer.AsSpan();
        span[0] = result.Ok ? (byte)1 : (byte)0;
        var offset = 1;
        Write(span, ref offset, result.Value);
        return buffer;
    }

    private static int Size(string? s) => 4 + (s is null ? 0 : Encoding.UTF8.GetByteCount(s));

    private static void Write(Span<byte> span, ref int offset, string? s)
    {
        if (s is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], -1);
            offset += 4;
            return;
        }

        var n = Encoding.UTF8.GetBytes(s, span[(offset + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], n);
        offset += 4 + n;
    }

    private static bool TryRead(ReadOnlySpan<byte> data, ref int offset, out string? s)
    {
        s = null;
        if (data.Length - offset < 4)
        {
            return false;
        }

        var n = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
        offset += 4;
        if (n == -1)
        {
            return true;
        }

        if (n < 0 || n > data.Length - offset)
        {
            return false;
        }

        s = Encoding.UTF8.GetString(data.Slice(offset, n));
        offset += n;
        return true;
    }
}
