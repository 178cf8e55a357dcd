using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.Raft;

namespace UltimateConsensus;

/// <summary>
/// <c>consensus/raft</c>: Raft (pre-vote, check-quorum, ReadIndex and optional lease reads, leadership transfer, single-server
/// membership changes with learners, snapshots, pipelined flow control) as a pure state machine over a CRC-checked write-ahead log.
/// </summary>
/// <remarks>
/// Options (all optional; times in ticks): <c>electionTimeoutMinTicks</c> (10) &lt; <c>electionTimeoutMaxTicks</c> (20),
/// <c>heartbeatIntervalTicks</c> (2, below the election minimum),
/// <c>maxInflightAppends</c> (64), <c>maxBytesPerMessage</c> (1 MiB), <c>maxBatchEntries</c> (1024), <c>preVote</c> (true),
/// <c>checkQuorum</c> (true), <c>leaseReads</c> (false; assumes bounded clock drift, see the option's documentation),
/// <c>learnerCatchUpEntries</c> (64). The tick's length and the snapshot policy are the runtime's settings.
/// </remarks>
public sealed class RaftStrategy : IConsensusStrategy, IOptionVariations, IRecoveryBound
{
    /// <summary>Election timeouts (at their maximum) within which a healed cluster serves again; see <see cref="RecoveryTicks"/>.</summary>
    internal const int RecoveryElectionTimeouts = 10;

    /// <inheritdoc />
    public long RecoveryTicks(IConfiguration options)
    {
        var raft = RaftOptions.Read(options ?? throw new ArgumentNullException(nameof(options)), out _);
        return (long)RecoveryElectionTimeouts * raft.ElectionTimeoutMaxTicks;
    }

    /// <summary>
    /// What <c>verify</c> varies per seed: small batches, windows and byte caps, so that commits across terms and partial
    /// appends happen; pre-vote and
    /// check-quorum off as well as on; short and long election timeouts. Lease reads are left out: they assume bounded
    /// clock drift, which the simulator's clock faults break on purpose.
    /// </summary>
    private static readonly OptionVariation[] VariedOptions =
    [
        new("maxBatchEntries", ["1", "2", "3", "8", "1024"]),
        new("maxInflightAppends", ["1", "2", "4", "64"]),
        new("maxBytesPerMessage", ["32", "256", "1048576"]),
        new("maxCommittedBytesPerReady", ["32", "1024", "67108864"]),
        new("maxUncommittedBytes", ["128", "4096", "67108864"]),
        new("learnerCatchUpEntries", ["0", "4", "64"]),
        new("preVote", ["true", "false"]),
        new("checkQuorum", ["true", "false"]),
        new("heartbeatIntervalTicks", ["1", "2", "4"]),
        new("electionTimeoutMinTicks", ["10", "20"]),
        new("electionTimeoutMaxTicks", ["10", "20", "40"]),
    ];

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Consensus;

    /// <inheritdoc />
    public string Name => "raft";

    /// <inheritdoc />
    public string Description => "Raft consensus with pre-vote, check-quorum, ReadIndex, leadership transfer, learners and snapshots over a CRC-32C write-ahead log.";

    /// <inheritdoc />
    public IMessageCodec Codec => RaftCodec.Instance;

    /// <inheritdoc />
    public ConsensusCapabilities Capabilities { get; } = new()
    {
        Quorum = QuorumRule.Majority,
        MembershipChanges = MembershipChanges.SingleServer,
        LeadershipTransfer = true,
        ReadIndex = true,
        Clients = ClientProtocol.Leader,
        Faults = FaultModel.CrashRecovery,
    };

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RaftOptions.Read(options, out var errors);
        return errors;
    }

    /// <inheritdoc />
    public IConsensusStorage OpenStorage(IDurableDirectory directory) => WalStorage.Open(directory);

    /// <inheritdoc />
    public IConsensusNode CreateNode(ConsensusNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RaftNode(options.Id, options.InitialMembership, options.Recovered, options.Random, RaftOptions.ReadValid(options.Options));
    }
}
