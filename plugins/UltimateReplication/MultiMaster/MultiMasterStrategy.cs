using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.MultiMaster;

/// <summary>Deliberate bugs of multi-master replication that its tests show <c>verify</c> catches.</summary>
internal enum MultiMasterFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>Concurrent versions are resolved by arrival order: the one a replica had first stays.</summary>
    ArrivalOrder,

    /// <summary>A replica answers and acknowledges at once and writes its files only every tenth tick.</summary>
    AckBeforePersist,
}

/// <summary>
/// <c>replication/multi-master</c>: every replica accepts reads and writes (read-modify-writes too, on its own value). A
/// write gets the next Lamport timestamp and a version vector: the clocks of the key's versions it replaces, with the
/// writer's next dot. Each replica pushes every peer the keys it changed since what that peer acknowledged (acknowledged
/// once durable) and compares key-range hashes with its peers (anti-entropy), both ways. A version whose clock another's
/// dominates is superseded; concurrent versions are resolved by the <c>resolver</c> option's <c>conflict/...</c> strategy
/// (default: built-in last-writer-wins by timestamp then replica id); siblings stay while the strategy keeps them, and a
/// later write on a replica supersedes every sibling it has seen. Deletes are tombstones (kept). Every change is durable
/// before it is acknowledged.
/// <para>Promise: once the network heals and writes stop, every replica converges to the value the conflict strategy
/// defines over all acknowledged writes. Not promised: reads see only their replica's writes and what reached it; a
/// read-modify-write is atomic only on its replica, so concurrent ones elsewhere are resolved, not serialized. The
/// resolution is the same everywhere when the strategy is deterministic and associative (last-writer-wins, vector-clock,
/// crdt-merge are).</para>
/// </summary>
public sealed class MultiMasterStrategy : IReplicationStrategy, IReferencingStrategy, IOptionVariations
{
    private static readonly OptionVariation[] VariedOptions =
    [
        new("maxBatchKeys", ["1", "2", "256"]),
        new("pushIntervalTicks", ["1", "3"]),
        new("resendIntervalTicks", ["2", "10", "50"]),
        new("antiEntropyIntervalTicks", ["5", "20", "200"]),
    ];

    private readonly MultiMasterFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public MultiMasterStrategy()
        : this(MultiMasterFlaw.None)
    {
    }

    internal MultiMasterStrategy(MultiMasterFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => _flaw == MultiMasterFlaw.None ? "multi-master" : "multi-master-" + _flaw.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Description => "Multi-master replication: writes on every replica, version vectors, pushed deltas and anti-entropy both ways, concurrent versions resolved by a conflict strategy; convergent.";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    /// <inheritdoc />
    public IMessageCodec Codec => MultiMasterCodec.Instance;

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, MultiMasterOptions.Read);

    /// <inheritdoc />
    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, MultiMasterOptions.Read);

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = MultiMasterOptions.Bind(options.Options);
        IConflictResolver? resolver = null;
        if (settings.ResolverReference is { } reference)
        {
            var strategies = options.Strategies
                ?? throw new StrategyOptionsException([$"Option 'resolver' names {reference.Key}, but the runtime offers no strategies to resolve it."]);

            // The lease lasts as long as the runtime that made the replica (the runtime releases its resolver's leases).
            resolver = strategies.GetConflictResolver(reference.Key).Value;
        }

        return new MultiMasterReplica(options, settings, resolver, _flaw);
    }
}
