using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

using Kernel.Node.Runtime;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Node.Transport;

/// <summary>
/// The per-link keys the node runtime hands to a Byzantine protocol (<see cref="ConsensusNodeOptions.LinkKeys"/>) and
/// uses for replica replies: HMAC-SHA256 under the cluster token of the cluster id and the two members' ids (lower
/// first), so both ends of a link derive the same key and no link shares another's.
/// </summary>
/// <remarks>
/// Every member holds the token, so every member can derive every link's key: these keys keep out whoever lacks the token
/// and catch corrupted or misrouted messages, but do not stop a faulty member from speaking for another. That needs keys
/// only the two ends of a link know (from a key exchange between authenticated member identities), which the runtime
/// does not have yet.
/// </remarks>
internal sealed class TokenLinkKeys(string token, ClusterMap cluster) : ILinkKeys
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);
    private readonly ConcurrentDictionary<NodeId, byte[]> _keys = new();

    /// <inheritdoc />
    public ReadOnlyMemory<byte> KeyFor(NodeId peer) => _keys.GetOrAdd(peer, Derive);

    private byte[] Derive(NodeId peer)
    {
        var other = cluster.MemberOf(peer)?.Id ?? throw new ArgumentException($"Node {peer} is not a member of the cluster.", nameof(peer));
        var self = cluster.SelfMember.Id;
        var input = new byte[16 + 24];
        "kernel link key\0"u8.CopyTo(input);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(16), cluster.ClusterId);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(24), Math.Min(self, other));
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(32), Math.Max(self, other));
        return HMACSHA256.HashData(_token, input);
    }
}
