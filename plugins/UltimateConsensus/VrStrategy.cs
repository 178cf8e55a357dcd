using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.Vr;

namespace UltimateConsensus;

/// <summary>
/// <c>consensus/vr</c>: Viewstamped Replication Revisited (Liskov and Cowling, 2012): normal operation (Prepare, PrepareOK,
/// Commit), view change (StartViewChange, DoViewChange, StartView), recovery with a nonce, state transfer (GetState,
/// NewState) and snapshots, as a pure state machine over the shared CRC-checked write-ahead log.
/// </summary>
/// <remarks>
/// <para>
/// An fsync'd variant: the view, last normal view, status, log and commit-number are synced before any reply that
/// depends on them, so a replica restarted on intact state resumes where it was. A replica whose state is missing,
/// damaged or does not match its log rejoins only through VRR's recovery protocol (a fresh nonce; answers from a
/// quorum's worth of normal replicas including the primary of the latest view) and takes part in nothing before.
/// A new cluster starts when every replica reports that it holds nothing. The membership is fixed; reads go through the
/// log (no ReadIndex); the primary of view v is voter v mod n.
/// </para>
/// <para>
/// Options (all optional; times in ticks): <c>viewChangeTimeoutMinTicks</c> (10) &lt; <c>viewChangeTimeoutMaxTicks</c> (20),
/// the randomized time a backup waits for its primary before starting a view change (and a view change's own limit, for
/// a view change a quorum joined: one too few joined stays in its view); a primary that has not heard from a quorum's worth
/// of backups within <c>viewChangeTimeoutMinTicks</c> starts a view change itself (backups answer each Commit);
/// <c>heartbeatIntervalTicks</c> (2, below the timeout minimum), between a primary's Commit rounds and between resends;
/// <c>maxBatchEntries</c> (1024), entries per retransmitted Prepare; <c>maxCommittedBytesPerReady</c> (64 MiB), committed
/// bytes one Ready hands out for applying. The tick's length and the snapshot policy are the runtime's settings.
/// </para>
/// </remarks>
public sealed class VrStrategy : IConsensusStrategy, IOptionVariations, IRecoveryBound
{
    /// <summary>View-change timeouts (at their maximum) within which a healed cluster serves again.</summary>
    internal const int RecoveryViewChangeTimeouts = 10;

    private static readonly OptionVariation[] VariedOptions =
    [
        new("maxBatchEntries", ["1", "2", "8", "1024"]),
        new("maxCommittedBytesPerReady", ["32", "1024", "67108864"]),
        new("heartbeatIntervalTicks", ["1", "2", "4"]),
        new("viewChangeTimeoutMinTicks", ["10", "20"]),
        new("viewChangeTimeoutMaxTicks", ["21", "40"]),
    ];

    private readonly VrFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public VrStrategy()
        : this(VrFlaw.None)
    {
    }

    /// <summary>A deliberately broken variant, for tests that show verify catches it.</summary>
    internal VrStrategy(VrFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public long RecoveryTicks(IConfiguration options)
    {
        var vr = VrOptions.Read(options ?? throw new ArgumentNullException(nameof(options)), out _);
        return (long)RecoveryViewChangeTimeouts * vr.ViewChangeTimeoutMaxTicks;
    }

    /// <summary>What <c>verify</c> varies per seed: batch and apply caps, heartbeat and view-change timeouts.</summary>
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Consensus;

    /// <inheritdoc />
    public string Name => "vr";

    /// <inheritdoc />
    public string Description => "Viewstamped Replication Revisited: view changes, recovery with a nonce, state transfer and snapshots over a CRC-32C write-ahead log.";

    /// <inheritdoc />
    public IMessageCodec Codec => VrCodec.Instance;

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
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        ArgumentNullException.ThrowIfNull(options);
        VrOptions.Read(options, out var errors);
        return errors;
    }

    /// <inheritdoc />
    public IConsensusStorage OpenStorage(IDurableDirectory directory) => WalStorage.Open(directory);

    /// <inheritdoc />
    public IConsensusNode CreateNode(ConsensusNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new VrNode(options.Id, options.InitialMembership, options.Recovered, options.Random, VrOptions.ReadValid(options.Options), _flaw);
    }
}
