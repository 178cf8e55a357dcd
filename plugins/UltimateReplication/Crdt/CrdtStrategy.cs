using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.Crdt;

/// <summary>Deliberate bugs of CRDT replication that its tests show <c>verify</c> catches.</summary>
internal enum CrdtFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>When the deltas a neighbour needs are no longer buffered, what is left is sent as if it were the whole interval (no full-state fallback).</summary>
    NoFallback,

    /// <summary>The full-state fallback takes the other replica's state instead of merging it (what only this replica had is lost).</summary>
    OverwriteStates,
}

/// <summary>
/// <c>replication/crdt</c>: every key's value is a state of the CRDT type named by <c>type</c> (a <c>crdt/...</c> strategy
/// or instance, resolved by name; default <c>crdt/lww-register</c>). Every replica takes reads and writes: a read is the
/// type's reading of the state; a write is applied by the model to the value read, and the value it gives, put into the
/// <c>operation</c> template, is the type's operation (a delta mutator): the new state is durable before the answer,
/// and its delta joins a numbered buffer. Delta-state gossip (Almeida, Shoker and Baquero's anti-entropy with delta
/// intervals): every <c>gossipIntervalTicks</c> each neighbour gets the deltas after what it acknowledged, joined per key
/// into one delta group, again after <c>resendIntervalTicks</c> without an acknowledgement; acknowledged once merged and
/// durable. Deltas received that inflate the state join the buffer and travel on. A neighbour gets an interval only
/// when the buffer still holds every delta after what it acknowledged (causal delivery: never a later delta without the
/// earlier ones); otherwise (after a start, more than <c>maxDeltas</c> buffered) the full-state fallback runs: digests of 64
/// key ranges, then the states of the ranges that differ, both ways, so a large key set costs the differing ranges only.
/// Every <c>antiEntropyIntervalTicks</c> the same digest exchange runs with the next neighbour in the background.
/// <para>Promise: once the network heals and writes stop, every replica holds, for every key, the join of every
/// acknowledged update's delta (the type's merge decides the value: a counter the sum of the acknowledged increments,
/// a set every acknowledged add). Not promised: reads see only their replica's state; no key is ever deleted (a CRDT
/// state only grows; a set's remove is its own operation).</para>
/// <para>Options (<see cref="CrdtOptions"/>, times in ticks): <c>type</c> <c>crdt/lww-register</c>, <c>operation</c>
/// <c>set 0 {value}</c> for the default type, else <c>{value}</c>; <c>gossipIntervalTicks</c> 2,
/// <c>resendIntervalTicks</c> 10, <c>maxDeltas</c> 4096, <c>antiEntropyIntervalTicks</c> 50 (0: off).</para>
/// </summary>
public sealed class CrdtStrategy : IReplicationStrategy, IReferencingStrategy, IOptionVariations
{
    private static readonly OptionVariation[] VariedOptions =
    [
        new("gossipIntervalTicks", ["1", "2", "5"]),
        new("maxDeltas", ["2", "16", "4096"]),
        new("antiEntropyIntervalTicks", ["0", "10", "50"]),
    ];

    private readonly CrdtFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public CrdtStrategy()
        : this(CrdtFlaw.None)
    {
    }

    internal CrdtStrategy(CrdtFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => _flaw == CrdtFlaw.None ? "crdt" : "crdt-" + _flaw.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Description => "CRDT replication: delta-state gossip of a crdt/... type by name (delta groups acknowledged per neighbour, full states by digests as fallback); convergent to the join of every update.";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    /// <inheritdoc />
    public IMessageCodec Codec { get; } = new UltimateReplication.Shared.GossipCodec<CrdtMessageType>("crdt");

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, CrdtOptions.Read);

    /// <inheritdoc />
    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, CrdtOptions.Read);

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = CrdtOptions.Bind(options.Options);
        var strategies = options.Strategies
            ?? throw new StrategyOptionsException([$"Option 'type' names {settings.Type}, but the runtime offers no strategies to resolve it."]);

        // The lease lasts as long as the runtime that made the replica.
        return new CrdtReplica(options, settings, strategies.GetCrdtType(settings.Type).Value, _flaw);
    }
}
