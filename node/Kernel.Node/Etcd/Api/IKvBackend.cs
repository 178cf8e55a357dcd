using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>
/// What carries out etcd's KV requests for <see cref="KvService"/>: <see cref="EtcdApi"/> (the MVCC store behind a
/// consensus log) or <see cref="Replication.ReplicaKv"/> (a replication strategy's replica). Refusals are thrown as
/// <see cref="EtcdException"/> (etcd's gRPC status and message).
/// </summary>
internal interface IKvBackend
{
    /// <summary>A range (one key, or <c>[key, range_end)</c>).</summary>
    Task<RangeResponse> RangeAsync(RangeRequest request, CancellationToken cancellationToken);

    /// <summary>A put.</summary>
    Task<PutResponse> PutAsync(PutRequest request, CancellationToken cancellationToken);

    /// <summary>A delete of one key or a range.</summary>
    Task<DeleteRangeResponse> DeleteRangeAsync(DeleteRangeRequest request, CancellationToken cancellationToken);

    /// <summary>A transaction.</summary>
    Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken);

    /// <summary>A compaction of the revision history.</summary>
    Task<CompactionResponse> CompactAsync(CompactionRequest request, CancellationToken cancellationToken);
}
