using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.MultiPaxos;

namespace UltimateConsensus;

/// <summary>
/// <c>consensus/multi-paxos</c>: Multi-Paxos with a stable leader (distinguished proposer) that runs phase 1 once per
/// ballot for every later slot and phase 2 per slot, acceptors that persist promises and accepted values before they
/// answer, gap filling with no-ops, catch-up and snapshots, and ReadIndex reads; a pure state machine over the same
/// CRC-checked write-ahead log as Raft. Fixed membership: the voters the cluster was created with.
/// </summary>
/// <remarks>
/// Options (all optional; times in ticks): <c>electionTimeoutMinTicks</c> (10) &lt; <c>electionTimeoutMaxTicks</c> (20), the
/// randomized time without a leader after which a node runs phase 1; <c>heartbeatIntervalTicks</c> (2, below the election
/// minimum); <c>maxInflightAccepts</c> (64) accept messages in flight per acceptor; <c>maxBytesPerMessage</c> (1 MiB) and
/// <c>maxBatchEntries</c> (1024) per accept message; <c>checkQuorum</c> (true): a leader not heard from by a quorum for an
/// election timeout gives up its ballot. Linearizable reads need no clock assumption: the leader confirms its ballot with
/// a quorum's heartbeat answers (ReadIndex); there is no lease option. The tick's length and the snapshot policy are the
/// runtime's settings.
/// </remarks>
public sealed class MultiPaxosStrategy : IConsensusStrategy, IOptionVariations, IRecoveryBound
{
    /// <summary>Election timeouts (at their maximum) within which a healed cluster serves again; see <see cref="RecoveryTicks"/>.</summary>
    internal const int RecoveryElectionTimeouts = 10;

    /// <summary>
    /// What <c>verify</c> varies per seed: small batches, windows and byte caps (so catch-up and partial accepts happen),
    /// check-quorum off as well as on, short and long timeouts.
    /// </summary>
    private static readonly OptionVariation[] VariedOptions =
    [
        new("maxBatchEntries", ["1", "2", "3", "8", "1024"]),
        new("maxInflightAccepts", ["1", "2", "4", "64"]),
        new("maxBytesPerMessage", ["32", "256", "1048576"]),
        new("checkQuorum", ["true", "false"]),
        new("heartbeatIntervalTicks", ["1", "2", "4"]),
        new("electionTimeoutMinTicks", ["10", "20"]),
        new("electionTimeoutMaxTicks", ["10", "20", "40"]),
    ];

    private readonly PaxosFault _fault;

    /// <summary>Creates the strategy.</summary>
    public MultiPaxosStrategy()
    {
    }

    /// <summary>A deliberately broken variant, for the tests that show <c>verify</c> catches it.</summary>
    internal MultiPaxosStrategy(PaxosFault fault) => _fault = fault;

    /// <inheritdoc />
    public long RecoveryTicks(IConfiguration options)
    {
        var paxos = PaxosOptions.Read(options ?? throw new ArgumentNullException(nameof(options)), out _);
        return (long)RecoveryElectionTimeouts * paxos.ElectionTimeoutMaxTicks;
    }

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Consensus;

    /// <inheritdoc />
    public string Name => "multi-paxos";

    /// <inheritdoc />
    public string Description => "Multi-Paxos with a stable leader (phase 1 once per ballot), no-op gap filling, catch-up, snapshots and ReadIndex over a CRC-32C write-ahead log.";

    /// <inheritdoc />
    public IMessageCodec Codec => PaxosCodec.Instance;

    /// <inheritdoc />
    public ConsensusCapabilities Capabilities { get; } = new()
    {
        Quorum = QuorumRule.Majority,
        MembershipChanges = MembershipChanges.None,
        LeadershipTransfer = false,
        ReadIndex = true,
        Clients = ClientProtocol.Leader,
        Faults = FaultModel.CrashRecovery,
    };

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PaxosOptions.Read(options, out var errors);
        return errors;
    }

    /// <inheritdoc />
    public IConsensusStorage OpenStorage(IDurableDirectory directory) => WalStorage.Open(directory);

    /// <inheritdoc />
    public IConsensusNode CreateNode(ConsensusNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var paxos = PaxosOptions.ReadValid(options.Options) with { Fault = _fault };
        return new PaxosNode(options.Id, options.InitialMembership, options.Recovered, options.Random, paxos);
    }
}
