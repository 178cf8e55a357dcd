using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.Pbft;

namespace UltimateConsensus;

/// <summary>
/// <c>consensus/pbft</c>: Practical Byzantine Fault Tolerance (Castro and Liskov, OSDI 1999) with the MAC-based view
/// change of their TOCS 2002 paper: n = 3f+1 replicas survive f that behave arbitrarily. Pre-prepare, prepare and
/// commit with 2f+1 quorums (<see cref="QuorumRule.Byzantine"/>); requests batched by the primary; exactly-once
/// execution by client id and timestamp; checkpoints with low and high watermarks and garbage collection of the
/// message log; view change and new view decided from 2f+1 view-change messages without signatures; every message
/// authenticated with HMAC-SHA256 under the per-link key the runtime hands in (<see cref="ConsensusNodeOptions.LinkKeys"/>).
/// Clients send a request to every replica and accept a result once f+1 replicas executed it with the same result
/// (<see cref="ClientProtocol.ReplicaQuorum"/>). A pure state machine over the CRC-checked write-ahead log.
/// </summary>
/// <remarks>
/// Options (all optional; times in ticks): <c>checkpointInterval</c> (K, 8), <c>watermarkCheckpoints</c> (4: the window
/// L = K × 4), <c>maxBatchRequests</c> (8), <c>maxInflightBatches</c> (2: batches in progress before the primary
/// buffers), <c>viewChangeTimeoutTicks</c> (40, doubled per failed view change up to 4×), <c>retransmitTicks</c> (8, below
/// the view-change timeout), <c>maxFetchEntries</c> (512). What is persisted and why is documented on the node.
/// Without link keys (a runtime that hands in none) messages go unauthenticated, which is safe only when the transport
/// authenticates every peer. Membership is fixed; reads go through the log.
/// </remarks>
public sealed class PbftStrategy : IConsensusStrategy, IOptionVariations
{
    private static readonly OptionVariation[] VariedOptions =
    [
        new("checkpointInterval", ["1", "2", "8"]),
        new("watermarkCheckpoints", ["2", "4"]),
        new("maxBatchRequests", ["1", "2", "8"]),
        new("maxInflightBatches", ["1", "2", "4"]),
        new("viewChangeTimeoutTicks", ["20", "40"]),
        new("retransmitTicks", ["4", "8"]),
        new("maxFetchEntries", ["2", "16", "512"]),
    ];

    private readonly PbftFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public PbftStrategy()
        : this(PbftFlaw.None)
    {
    }

    /// <summary>A deliberately broken variant, for tests that show the verifier catches it.</summary>
    internal PbftStrategy(PbftFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Consensus;

    /// <inheritdoc />
    public string Name => "pbft";

    /// <inheritdoc />
    public string Description => "PBFT: Byzantine fault tolerance for 3f+1 replicas with HMAC-authenticated links, batching, checkpoints and MAC-based view changes.";

    /// <inheritdoc />
    public IMessageCodec Codec => PbftCodec.Instance;

    /// <inheritdoc />
    public ConsensusCapabilities Capabilities { get; } = new()
    {
        Quorum = QuorumRule.Byzantine,
        MembershipChanges = MembershipChanges.None,
        LeadershipTransfer = false,
        ReadIndex = false,
        Clients = ClientProtocol.ReplicaQuorum,
        Faults = FaultModel.Byzantine,
    };

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PbftOptions.Read(options, out var errors);
        return errors;
    }

    /// <inheritdoc />
    public IConsensusStorage OpenStorage(IDurableDirectory directory) => WalStorage.Open(directory);

    /// <inheritdoc />
    public IConsensusNode CreateNode(ConsensusNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PbftNode(options.Id, options.InitialMembership, options.Recovered, PbftOptions.ReadValid(options.Options), options.LinkKeys, _flaw);
    }
}
