using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.SyncQuorum;

/// <summary>Deliberate bugs of sync-quorum that its tests show <c>verify</c> catches.</summary>
internal enum SyncQuorumFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>A read answers with the newest version it saw without writing it back to W replicas first.</summary>
    NoReadRepair,

    /// <summary>A replica acknowledges a version at once and writes its files only every tenth tick.</summary>
    LazyPersist,
}

/// <summary>
/// <c>replication/sync-quorum</c>: every replica holds every key; any replica coordinates a client's request. A read asks
/// all replicas for their version and waits for R, takes the newest, writes it back until W replicas hold it, then
/// answers. A blind write (a put) asks for R versions the same way, stamps its value above the newest, and is acknowledged
/// once W replicas have it durable (the ABD register protocol with read repair). Hinted handoff carries a write to the
/// replicas that missed it, and anti-entropy compares hashes of key ranges with a random peer and exchanges the versions
/// that differ, so every replica converges.
/// <para>Promise: with W + R greater than N, reads and blind writes are linearizable, so no acknowledged write is lost while at
/// most N − W replicas are down, and a read that starts after a write was acknowledged returns it or a later one. A
/// read-modify-write (append, compare-and-set) cannot be made atomic by quorums alone: it is refused with a reason.</para>
/// </summary>
public sealed class SyncQuorumStrategy : IReplicationStrategy
{
    private readonly SyncQuorumFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public SyncQuorumStrategy()
        : this(SyncQuorumFlaw.None)
    {
    }

    internal SyncQuorumStrategy(SyncQuorumFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => _flaw == SyncQuorumFlaw.None ? "sync-quorum" : "sync-quorum-" + _flaw.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Description => "Quorum reads and writes (W of N durable, R of N read, W+R>N) with read repair, hinted handoff and hashed-range anti-entropy: linearizable reads and puts.";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Linearizable;

    /// <inheritdoc />
    public IMessageCodec Codec => SyncQuorumCodec.Instance;

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, SyncQuorumOptions.Read);

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = SyncQuorumOptions.Bind(options.Options);
        var n = options.Replicas.Count;
        var errors = new List<string>();
        if (settings.W(n) > n)
        {
            errors.Add($"Option 'writeQuorum' is {settings.WriteQuorum}; the group has {n} replicas, so at most {n} (0 for a majority).");
        }

        if (settings.R(n) > n)
        {
            errors.Add($"Option 'readQuorum' is {settings.ReadQuorum}; the group has {n} replicas, so at most {n} (0 for a majority).");
        }

        if (errors.Count > 0)
        {
            throw new StrategyOptionsException(errors);
        }

        return new SyncQuorumReplica(options, settings, _flaw);
    }
}
