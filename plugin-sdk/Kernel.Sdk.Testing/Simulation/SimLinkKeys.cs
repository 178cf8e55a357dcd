using System.Buffers.Binary;
using System.Security.Cryptography;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// The simulator's per-link keys (<see cref="ILinkKeys"/>): SHA-256 of the seed and the two ends of the link, the same
/// bytes on both ends. A Twins copy shares its replica's keys; no other replica knows the key of a link it is not on.
/// </summary>
internal sealed class SimLinkKeys(long seed, NodeId self) : ILinkKeys
{
    private readonly Dictionary<NodeId, byte[]> _keys = [];

    public ReadOnlyMemory<byte> KeyFor(NodeId peer)
    {
        if (!_keys.TryGetValue(peer, out var key))
        {
            Span<byte> input = stackalloc byte[24];
            BinaryPrimitives.WriteInt64LittleEndian(input, seed);
            BinaryPrimitives.WriteInt32LittleEndian(input[8..], Math.Min(self.Value, peer.Value));
            BinaryPrimitives.WriteInt32LittleEndian(input[12..], Math.Max(self.Value, peer.Value));
            "link"u8.CopyTo(input[16..]);
            _keys[peer] = key = SHA256.HashData(input);
        }

        return key;
    }
}
