using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.RealTime;

/// <summary>Deliberate bugs of real-time replication that its tests show <c>verify</c> catches.</summary>
internal enum RealTimeFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>A peer over the lag budget has its unacknowledged writes dropped and stays in real time (no catch-up).</summary>
    DropOverBudget,
}

/// <summary>
/// <c>replication/real-time</c>: every replica takes reads and writes (read-modify-writes on its own value); a write gets
/// a stamp (a logical counter above every one the replica has seen, then its id: last writer wins) and is pushed at once,
/// one message per write, to every peer, sent again every <c>resendIntervalTicks</c> until the peer acknowledges it
/// durable. The lag of each push, in ticks from the write to the acknowledgement, is measured into a histogram. A peer
/// whose oldest unacknowledged push is older than <c>lagBudgetTicks</c> (or that has more than <c>maxPendingPushes</c>)
/// goes over the budget: an event is recorded and the peer degrades to catch-up: its pushes are forgotten (not the
/// writes) and rounds of key-range hashes (anti-entropy) bring it up to date, after which it gets a push per write again,
/// starting with the writes made meanwhile. A replica catches up every peer after each start. Every
/// <c>antiEntropyIntervalTicks</c> (0: never) a replica also compares range hashes with the next peer.
/// <para>Promise: every acknowledged write reaches every replica: pushed within the lag budget while the network allows,
/// otherwise carried by the peer's catch-up, never dropped; once the network heals and writes stop, the replicas converge
/// (last writer wins by stamp). Not promised: reads see only their replica's state; a lag within the budget (the budget
/// is a trigger, measured, not a bound the network can be made to keep).</para>
/// <para>Options (<see cref="RealTimeOptions"/>, in ticks): <c>lagBudgetTicks</c> 50 (500 ms at the simulator's 10 ms
/// tick), <c>resendIntervalTicks</c> 5, <c>maxPendingPushes</c> 1024, <c>antiEntropyIntervalTicks</c> 100 (0: off).
/// The SDK hands replicas no message bus: the budget events and the lag histogram are the replica's outputs, read by the
/// runtime (and the tests).</para>
/// </summary>
public sealed class RealTimeStrategy : IReplicationStrategy, IOptionVariations
{
    private static readonly OptionVariation[] VariedOptions =
    [
        new("lagBudgetTicks", ["5", "50"]),
        new("resendIntervalTicks", ["2", "5"]),
        new("antiEntropyIntervalTicks", ["0", "100"]),
    ];

    private readonly RealTimeFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public RealTimeStrategy()
        : this(RealTimeFlaw.None)
    {
    }

    internal RealTimeStrategy(RealTimeFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => _flaw == RealTimeFlaw.None ? "real-time" : "real-time-" + _flaw.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Description => "Real-time replication: a push per write to every replica with a lag budget and a measured lag distribution; a replica over budget catches up by anti-entropy, no write dropped; convergent.";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    /// <inheritdoc />
    public IMessageCodec Codec { get; } = new UltimateReplication.Shared.GossipCodec<RealTimeMessageType>("real-time");

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, RealTimeOptions.Read);

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RealTimeReplica(options, RealTimeOptions.Bind(options.Options), _flaw);
    }
}
