using System.Buffers.Binary;

namespace Kernel.Node.Runtime;

/// <summary>What an envelope carries.</summary>
internal enum EnvelopeKind : byte
{
    /// <summary>A state-machine command.</summary>
    Command = 1,

    /// <summary>An empty read barrier (a linearizable read through the log, for strategies without ReadIndex).</summary>
    ReadBarrier = 2,
}

/// <summary>
/// What the runtime puts in a log entry: the proposer (member id and the incarnation of its runtime, so a restarted
/// member never takes an old entry for a new request), the request id and the command. Every member applies the command;
/// the proposer also completes its waiting caller with the state machine's response.
/// </summary>
/// <remarks>Layout (little-endian): kind (1 byte), proposer (8), incarnation (8), request id (8), then the command bytes.</remarks>
internal readonly record struct CommandEnvelope(EnvelopeKind Kind, ulong Proposer, ulong Incarnation, long RequestId, ReadOnlyMemory<byte> Command)
{
    /// <summary>The bytes in front of the command.</summary>
    public const int HeaderSize = 25;

    /// <summary>Encodes the envelope.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[HeaderSize + Command.Length];
        bytes[0] = (byte)Kind;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), Proposer);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(9), Incarnation);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(17), RequestId);
        Command.Span.CopyTo(bytes.AsSpan(HeaderSize));
        return bytes;
    }

    /// <summary>Decodes an envelope (the command is a slice of <paramref name="data"/>); false when it is not one.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out CommandEnvelope envelope)
    {
        var span = data.Span;
        if (span.Length < HeaderSize || span[0] is not ((byte)EnvelopeKind.Command or (byte)EnvelopeKind.ReadBarrier))
        {
            envelope = default;
            return false;
        }

        envelope = new CommandEnvelope(
            (EnvelopeKind)span[0],
            BinaryPrimitives.ReadUInt64LittleEndian(span[1..]),
            BinaryPrimitives.ReadUInt64LittleEndian(span[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[17..]),
            data[HeaderSize..]);
        return true;
    }
}
