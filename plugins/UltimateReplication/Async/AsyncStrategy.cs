using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.Async;

/// <summary>Deliberate bugs of async replication that its tests show <c>verify</c> catches.</summary>
internal enum AsyncFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>Entries that left the queue are never sent to the backups that lacked them (no catch-up from the store).</summary>
    DropOnOverflow,

    /// <summary>The primary answers at once and writes its files only every tenth tick.</summary>
    AckBeforePersist,
}

/// <summary>
/// <c>replication/async</c>: one primary (the lowest id unless configured) applies every write in order, makes it durable,
/// answers, and ships it to the backups in batches from a bounded queue; backups forward their clients' writes to it and
/// apply shipments in order; every replica serves reads from its own state. A backup whose entries left the queue (a full
/// queue under the <c>spill</c> policy, or a primary restart) is brought up to date from the primary's store: every key
/// changed since what it acknowledged. The lag of each backup, in entries and ticks, is kept by the primary.
/// <para>Promise: convergence: once writes stop and the network heals, every backup holds the primary's state; an
/// acknowledged write survives a crash of the primary, since the primary's files are synced before it answers. Not
/// promised: reads at a backup may be stale; if the primary's disk is lost, the writes its backups had not acknowledged
/// (its lag) are lost with it; while the primary is down, writes are unavailable.</para>
/// </summary>
public sealed class AsyncStrategy : IReplicationStrategy
{
    private readonly AsyncFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public AsyncStrategy()
        : this(AsyncFlaw.None)
    {
    }

    internal AsyncStrategy(AsyncFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => _flaw == AsyncFlaw.None ? "async" : "async-" + _flaw.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Description => "Primary-backup replication shipped asynchronously in batches from a bounded queue (overflow: spill, reject or block); convergent.";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    /// <inheritdoc />
    public IMessageCodec Codec => AsyncCodec.Instance;

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, AsyncOptions.Read);

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = AsyncOptions.Bind(options.Options);
        if (settings.Primary != 0 && !options.Replicas.Contains(new NodeId(settings.Primary)))
        {
            throw new StrategyOptionsException([$"Option 'primary' is {settings.Primary}; the group's replicas are {string.Join(", ", options.Replicas.Select(r => r.Value))}."]);
        }

        return new AsyncReplica(options, settings, _flaw);
    }
}
