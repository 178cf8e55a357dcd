using System.Buffers.Binary;
using System.Security.Cryptography;

using Kernel.Sdk.Consensus;

namespace Kernel.Node.Runtime;

/// <summary>
/// What a gateway member asks every replica of a <see cref="Kernel.Sdk.Consensus.ClientProtocol.ReplicaQuorum"/> strategy
/// to order: the client id and timestamp the protocol executes at most once by (the SDK's
/// <see cref="Kernel.Sdk.Consensus.ClientRequestHeader"/>), then the <see cref="CommandEnvelope"/> naming the gateway and
/// its request.
/// </summary>
internal readonly record struct ReplicaRequest(long Client, long Timestamp, ReadOnlyMemory<byte> Envelope)
{
    /// <summary>The first byte of a request.</summary>
    public const byte Magic = ClientRequestHeader.Magic;

    /// <summary>The bytes in front of the envelope.</summary>
    public const int HeaderSize = ClientRequestHeader.Size;

    public byte[] Encode()
    {
        var bytes = new byte[HeaderSize + Envelope.Length];
        ClientRequestHeader.Write(bytes, Client, Timestamp);
        Envelope.Span.CopyTo(bytes.AsSpan(HeaderSize));
        return bytes;
    }

    public static bool TryDecode(ReadOnlyMemory<byte> data, out ReplicaRequest request)
    {
        if (!ClientRequestHeader.TryRead(data.Span, out var client, out var timestamp))
        {
            request = default;
            return false;
        }

        request = new ReplicaRequest(client, timestamp, data[HeaderSize..]);
        return true;
    }

    /// <summary>The SHA-256 of a request's bytes: a reply names the request it answers by it.</summary>
    public static byte[] Digest(ReadOnlySpan<byte> request) => SHA256.HashData(request);
}

/// <summary>
/// A replica's reply to a gateway: the sender, the gateway's request (its runtime's incarnation, its request id and the
/// digest of the request bytes the replica executed), the log index the request executed at and the encoded response its
/// state machine computed; an HMAC-SHA256 under the key of the link between the sender and the gateway closes it, so a
/// replica cannot answer in another's name.
/// </summary>
/// <remarks>Layout (little-endian): <c>'R'</c>, sender member id (8), incarnation (8), request id (8), index (8), request digest (32), response, MAC (32).</remarks>
internal sealed record ReplicaReply(ulong Sender, ulong Incarnation, long RequestId, long Index, byte[] RequestDigest, byte[] Response)
{
    /// <summary>The first byte of a reply.</summary>
    public const byte Magic = 0x52; // 'R'

    private const int DigestSize = 32;
    private const int MacSize = 32;
    private const int HeaderSize = 1 + 32 + DigestSize;

    /// <summary>Encodes the reply with its MAC under <paramref name="key"/> (the sender's key for the link to the gateway).</summary>
    public byte[] Encode(ReadOnlySpan<byte> key)
    {
        var bytes = new byte[HeaderSize + Response.Length + MacSize];
        bytes[0] = Magic;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), Sender);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(9), Incarnation);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(17), RequestId);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(25), Index);
        RequestDigest.CopyTo(bytes.AsSpan(33));
        Response.CopyTo(bytes.AsSpan(HeaderSize));
        HMACSHA256.HashData(key, bytes.AsSpan(0, bytes.Length - MacSize), bytes.AsSpan(bytes.Length - MacSize));
        return bytes;
    }

    /// <summary>The sender a reply claims (checked by <see cref="TryDecode"/>); false when the bytes are no reply.</summary>
    public static bool TryReadSender(ReadOnlySpan<byte> bytes, out ulong sender)
    {
        sender = 0;
        if (bytes.Length < HeaderSize + MacSize || bytes[0] != Magic)
        {
            return false;
        }

        sender = BinaryPrimitives.ReadUInt64LittleEndian(bytes[1..]);
        return true;
    }

    /// <summary>Decodes a reply whose MAC is right under <paramref name="key"/> (the gateway's key for the link to the claimed sender).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> key, out ReplicaReply? reply)
    {
        reply = null;
        if (!TryReadSender(bytes, out var sender))
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[MacSize];
        HMACSHA256.HashData(key, bytes[..^MacSize], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[^MacSize..]))
        {
            return false;
        }

        reply = new ReplicaReply(
            sender,
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[17..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[25..]),
            bytes.Slice(33, DigestSize).ToArray(),
            bytes[HeaderSize..^MacSize].ToArray());
        return true;
    }
}
