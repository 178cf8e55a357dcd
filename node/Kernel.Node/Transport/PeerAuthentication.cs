using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Node.Transport;

/// <summary>
/// The cluster-token challenge at connect: each end sends a fresh nonce and proves it holds the token with an HMAC-SHA256
/// (key: the token) over its role, the cluster id, both member ids and both nonces, so a proof is never valid twice and
/// never for the other direction.
/// </summary>
internal static class PeerAuthentication
{
    /// <summary>The length of a nonce.</summary>
    public const int NonceLength = 32;

    /// <summary>Which end proves.</summary>
    public enum Role : byte
    {
        /// <summary>The member that dialled.</summary>
        Dialler = 1,

        /// <summary>The member that accepted.</summary>
        Acceptor = 2,
    }

    /// <summary>A fresh nonce.</summary>
    public static byte[] Nonce() => RandomNumberGenerator.GetBytes(NonceLength);

    /// <summary>The proof of <paramref name="role"/> for one connection.</summary>
    public static byte[] Proof(string token, Role role, ulong clusterId, ulong dialler, ulong acceptor, ReadOnlySpan<byte> diallerNonce, ReadOnlySpan<byte> acceptorNonce)
    {
        var message = new byte[1 + 24 + diallerNonce.Length + acceptorNonce.Length];
        message[0] = (byte)role;
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(1), clusterId);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(9), dialler);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(17), acceptor);
        diallerNonce.CopyTo(message.AsSpan(25));
        acceptorNonce.CopyTo(message.AsSpan(25 + diallerNonce.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), message);
    }

    /// <summary>True when <paramref name="proof"/> is the expected one (compared in constant time).</summary>
    public static bool Verify(ReadOnlySpan<byte> proof, ReadOnlySpan<byte> expected) =>
        proof.Length == expected.Length && CryptographicOperations.FixedTimeEquals(proof, expected);
}

/// <summary>A peer failed the cluster-token challenge (or refused this member's).</summary>
internal sealed class PeerAuthenticationException(string message) : Exception(message);
