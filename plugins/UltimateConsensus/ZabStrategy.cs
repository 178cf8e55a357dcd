using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.Zab;

namespace UltimateConsensus;

/// <summary>
/// <c>consensus/zab</c>: ZooKeeper Atomic Broadcast (Junqueira, Reed, Serafini 2011): fast leader election on
/// (epoch, zxid, id), discovery (epoch agreement: FOLLOWERINFO, LEADERINFO, ACKEPOCH, with acceptedEpoch and currentEpoch
/// persisted), synchronization (DIFF, TRUNC or SNAP, then NEWLEADER acknowledged by a quorum before the epoch commits
/// anything) and broadcast (PROPOSAL, ACK, COMMIT), as a pure state machine over the shared CRC-checked write-ahead log.
/// </summary>
/// <remarks>
/// Options (all optional; times in ticks): <c>syncLimitTicks</c> (10: leader or follower silence before electing
/// again), <c>initLimitTicks</c> (20, at least syncLimitTicks: time for discovery and synchronization),
/// <c>heartbeatIntervalTicks</c> (2, below syncLimitTicks: pings and retransmissions), <c>notificationIntervalTicks</c>
/// (3: resending election notifications), <c>finalizeWaitTicks</c> (2: fast leader election's finalize wait),
/// <c>maxBatchEntries</c> (1024 entries per proposal message), <c>maxInflightEntries</c> (4096 unacknowledged entries
/// per follower). The membership is fixed; there is no ReadIndex (linearizable reads go through the log, as ZooKeeper's
/// sync does) and no leadership transfer. The tick's length and the snapshot policy are the runtime's settings.
/// </remarks>
public sealed class ZabStrategy : IConsensusStrategy, IOptionVariations, IRecoveryBound
{
    /// <summary>initLimits within which a healed cluster serves again; see <see cref="RecoveryTicks"/>.</summary>
    internal const int RecoveryInitLimits = 10;

    private static readonly OptionVariation[] VariedOptions =
    [
        new("maxBatchEntries", ["1", "2", "8", "1024"]),
        new("maxInflightEntries", ["1", "4", "4096"]),
        new("heartbeatIntervalTicks", ["1", "2", "4"]),
        new("syncLimitTicks", ["10", "20"]),
        new("initLimitTicks", ["20", "40"]),
        new("notificationIntervalTicks", ["1", "3", "6"]),
        new("finalizeWaitTicks", ["0", "2", "5"]),
    ];

    private readonly ZabBreak _break;

    /// <summary>Creates the strategy.</summary>
    public ZabStrategy()
    {
    }

    /// <summary>A deliberately broken variant, for the tests that show the checkers catch it.</summary>
    internal ZabStrategy(ZabBreak broken) => _break = broken;

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Consensus;

    /// <inheritdoc />
    public string Name => "zab";

    /// <inheritdoc />
    public string Description => "ZooKeeper Atomic Broadcast: fast leader election, epoch discovery, DIFF/TRUNC/SNAP synchronization and zxid-ordered broadcast over a CRC-32C write-ahead log.";

    /// <inheritdoc />
    public IMessageCodec Codec => ZabCodec.Instance;

    /// <inheritdoc />
    public ConsensusCapabilities Capabilities { get; } = new()
    {
        Quorum = QuorumRule.Majority,
        MembershipChanges = MembershipChanges.None,
        LeadershipTransfer = false,
        ReadIndex = false,
        Clients = ClientProtocol.Leader,
        Faults = FaultModel.CrashRecovery,
    };

    /// <inheritdoc />
    public long RecoveryTicks(IConfiguration options)
    {
        var zab = ZabOptions.Read(options ?? throw new ArgumentNullException(nameof(options)), out _);
        return (long)RecoveryInitLimits * zab.InitLimitTicks;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ZabOptions.Read(options, out var errors);
        return errors;
    }

    /// <inheritdoc />
    public IConsensusStorage OpenStorage(IDurableDirectory directory) => WalStorage.Open(directory);

    /// <inheritdoc />
    public IConsensusNode CreateNode(ConsensusNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var zab = ZabOptions.ReadValid(options.Options) with { Break = _break };
        return new ZabNode(options.Id, options.InitialMembership, options.Recovered, zab);
    }
}
