using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>etcd's <c>etcdserverpb.KV</c> service, over whatever carries out the requests (<see cref="IKvBackend"/>).</summary>
internal sealed class KvService(IKvBackend api) : KV.KVBase
{
    public override Task<RangeResponse> Range(RangeRequest request, ServerCallContext context) => api.RangeAsync(request, context.CancellationToken);

    public override Task<PutResponse> Put(PutRequest request, ServerCallContext context) => api.PutAsync(request, context.CancellationToken);

    public override Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context) =>
        api.DeleteRangeAsync(request, context.CancellationToken);

    public override Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context) => api.TxnAsync(request, context.CancellationToken);

    public override Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context) => api.CompactAsync(request, context.CancellationToken);
}
