using System.Buffers.Binary;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// The header in front of a client request's command when the protocol itself executes each client's requests at most
/// once (<see cref="ClientProtocol.ReplicaQuorum"/>, PBFT): <c>'K'</c>, the client id and the request's timestamp (both
/// 64-bit little-endian), <see cref="Size"/> bytes in all. A client's timestamps increase; a protocol executes a request
/// only when its timestamp is above the last one it executed for that client. The simulator's clients and the node
/// runtime's gateway write it; a protocol reads it.
/// </summary>
public static class ClientRequestHeader
{
    /// <summary>The header's first byte, <c>'K'</c>.</summary>
    public const byte Magic = 0x4B;

    /// <summary>The header's length in bytes.</summary>
    public const int Size = 17;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    /// <param name="client">The client id.</param>
    /// <param name="timestamp">The request's timestamp.</param>
    public static void Write(Span<byte> destination, long client, long timestamp)
    {
        destination[0] = Magic;
        BinaryPrimitives.WriteInt64LittleEndian(destination[1..], client);
        BinaryPrimitives.WriteInt64LittleEndian(destination[9..], timestamp);
    }

    /// <summary>Reads the header; false when <paramref name="request"/> does not start with one.</summary>
    /// <param name="request">The request bytes.</param>
    /// <param name="client">The client id.</param>
    /// <param name="timestamp">The request's timestamp.</param>
    /// <returns>True when the request starts with a header.</returns>
    public static bool TryRead(ReadOnlySpan<byte> request, out long client, out long timestamp)
    {
        client = 0;
        timestamp = 0;
        if (request.Length < Size || request[0] != Magic)
        {
            return false;
        }

        client = BinaryPrimitives.ReadInt64LittleEndian(request[1..]);
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(request[9..]);
        return true;
    }
}
