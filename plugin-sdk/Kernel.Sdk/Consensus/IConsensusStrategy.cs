using Kernel.Sdk.Cluster;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// A consensus protocol: builds pure nodes, the durable storage they recover from, and the codec for their messages.
/// The same objects run under the simulator (virtual time, simulated disk and network) and in the node runtime.
/// </summary>
public interface IConsensusStrategy : IStrategy
{
    /// <summary>The codec for this protocol's messages.</summary>
    IMessageCodec Codec { get; }

    /// <summary>What the protocol offers (quorum rule, membership changes, transfer, ReadIndex, client protocol, fault model).</summary>
    ConsensusCapabilities Capabilities { get; }

    /// <summary>Opens (or creates) a node's durable storage in a directory.</summary>
    IConsensusStorage OpenStorage(IDurableDirectory directory);

    /// <summary>Creates a node from what it recovered from storage (empty on first start).</summary>
    IConsensusNode CreateNode(ConsensusNodeOptions options);
}

/// <summary>Everything a consensus node is created from.</summary>
public sealed class ConsensusNodeOptions
{
    /// <summary>The node's id.</summary>
    public required NodeId Id { get; init; }

    /// <summary>The membership to start with when storage holds none (first start of a new cluster).</summary>
    public required Membership InitialMembership { get; init; }

    /// <summary>What the node recovered from storage.</summary>
    public required RecoveredState Recovered { get; init; }

    /// <summary>The only source of randomness the node may use (election jitter): seeded by the caller.</summary>
    public required Random Random { get; init; }

    /// <summary>The strategy's options section from configuration, already validated.</summary>
    public required IConfiguration Options { get; init; }

    /// <summary>Per-link secret keys for message authentication (Byzantine protocols); null when the runtime has none.</summary>
    public ILinkKeys? LinkKeys { get; init; }
}
