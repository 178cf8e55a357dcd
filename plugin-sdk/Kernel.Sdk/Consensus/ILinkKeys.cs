using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// The message-authentication seam for Byzantine protocols: a secret key per link between this node and each peer,
/// handed in by the runtime (the simulator derives them from the seed; a node runtime from its cluster secret or TLS
/// session). A protocol computes MACs over its messages with them (HMAC-SHA256, or PBFT's authenticator vectors) so a
/// faulty node cannot forge what an honest one said. The transport already stamps the sender: a message whose
/// <see cref="IProtocolMessage.From"/> is not the peer it arrived from never reaches <see cref="IConsensusNode.Step"/>.
/// </summary>
public interface ILinkKeys
{
    /// <summary>The key shared by this node and <paramref name="peer"/> (the same bytes on both ends).</summary>
    ReadOnlyMemory<byte> KeyFor(NodeId peer);
}
