using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.Delta;

/// <summary>Deliberate bugs of delta replication that its tests show <c>verify</c> catches.</summary>
internal enum DeltaFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>A block delta is applied to whatever version the receiver holds, unchecked: on the wrong base, when the sender's idea of it was stale.</summary>
    WrongBase,
}

/// <summary>
/// <c>replication/delta</c>: every replica takes reads and writes (read-modify-writes on its own value); a write gets a
/// stamp (a logical counter above every one the replica has seen, then its id: last writer wins). For each peer a replica
/// keeps the version of every key the peer acknowledged (a version chain: the last <c>chainVersions</c> versions of each
/// key stay in memory as bases) and pushes it only the keys changed since, at most <c>maxBatchKeys</c> a push, every
/// <c>pushIntervalTicks</c>, again after <c>resendIntervalTicks</c> without an acknowledgement. A value of at least
/// <c>minDeltaBytes</c> whose acknowledged version is in the chain travels as a block delta (rsync's: blocks of
/// <c>blockBytes</c> known by a rolling weak checksum and a strong XxHash64, matched at every byte offset of the new
/// value; the rest as literal bytes) when that is smaller (always, with <c>minDeltaBytes</c> 0), with the value's hash; otherwise in full. The receiver applies
/// a delta only to the base it names and checks the hash; otherwise it answers with the version it holds and gets a
/// delta against that or the full value (the fallback). Each acknowledgement reports the version held of every key
/// pushed. Anti-entropy every <c>antiEntropyIntervalTicks</c> (and with every peer after a start) compares 64 key-range
/// hashes and exchanges versions only: the values then follow as deltas. The bytes sent (all messages, pushes, and what
/// the pushed values weigh in full) are counted by each replica.
/// <para>Promise: convergence: once the network heals and writes stop, every replica holds the newest version of every
/// key (last writer wins by stamp) and no acknowledged write is lost; a peer is sent only the keys changed since what it
/// acknowledged, a large value changed in a few places as a delta of about the changed blocks. Not promised: reads see
/// only their replica's state.</para>
/// <para>Options (<see cref="DeltaOptions"/>): <c>blockBytes</c> 2048, <c>minDeltaBytes</c> 8192, <c>chainVersions</c> 4,
/// <c>pushIntervalTicks</c> 1, <c>resendIntervalTicks</c> 10, <c>antiEntropyIntervalTicks</c> 20, <c>maxBatchKeys</c> 64.</para>
/// </summary>
public sealed class DeltaStrategy : IReplicationStrategy, IOptionVariations
{
    private static readonly OptionVariation[] VariedOptions =
    [
        new("blockBytes", ["1", "4", "2048"]),
        new("minDeltaBytes", ["0", "16", "8192"]),
        new("chainVersions", ["1", "4"]),
        new("maxBatchKeys", ["1", "64"]),
        new("antiEntropyIntervalTicks", ["5", "20", "200"]),
    ];

    private readonly DeltaFlaw _flaw;

    /// <summary>Creates the strategy.</summary>
    public DeltaStrategy()
        : this(DeltaFlaw.None)
    {
    }

    internal DeltaStrategy(DeltaFlaw flaw) => _flaw = flaw;

    /// <inheritdoc />
    public IReadOnlyList<OptionVariation> Variations => VariedOptions;

    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => _flaw == DeltaFlaw.None ? "delta" : "delta-" + _flaw.ToString().ToLowerInvariant();

    /// <inheritdoc />
    public string Description => "Delta replication: each peer is sent only the keys changed since the versions it acknowledged, large values as rsync-style block deltas with the full value as fallback; bytes on the wire counted; convergent.";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    /// <inheritdoc />
    public IMessageCodec Codec => DeltaCodec.Instance;

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, DeltaOptions.Read);

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DeltaReplica(options, DeltaOptions.Bind(options.Options), _flaw);
    }
}
