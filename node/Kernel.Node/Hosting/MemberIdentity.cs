using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Node.Hosting;

/// <summary>
/// Member and cluster ids in etcd's manner: a member's id from its peer URLs (sorted) and its name; the cluster's id from
/// its members' ids (sorted) and the cluster token; both the first 8 bytes of a SHA-1, big-endian. Every member computes
/// the same ids from the same <c>--initial-cluster</c> and <c>--initial-cluster-token</c>. The token is left out of member
/// ids (etcd puts it in) so that a member with a wrong token still names its peers rightly and is refused for its token.
/// </summary>
internal static class MemberIdentity
{
    /// <summary>The id of the member <paramref name="name"/> reached at <paramref name="peerUrls"/>.</summary>
    public static ulong MemberId(string name, IEnumerable<string> peerUrls)
    {
        var text = string.Concat(peerUrls.Order(StringComparer.Ordinal)) + name;
        return First8(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The id of the cluster of these members.</summary>
    public static ulong ClusterId(IEnumerable<ulong> memberIds, string token)
    {
        var ids = memberIds.Order().ToArray();
        var tokenBytes = Encoding.UTF8.GetBytes(token);
        var bytes = new byte[(8 * ids.Length) + tokenBytes.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8 * i), ids[i]);
        }

        tokenBytes.CopyTo(bytes.AsSpan(8 * ids.Length));
        return First8(SHA1.HashData(bytes));
    }

    private static ulong First8(ReadOnlySpan<byte> hash) => BinaryPrimitives.ReadUInt64BigEndian(hash);
}
