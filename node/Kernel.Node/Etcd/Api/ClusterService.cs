using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>etcd's <c>etcdserverpb.Cluster</c> service: MemberList (the membership changes answer Unimplemented).</summary>
internal sealed class ClusterService(EtcdApi api) : Cluster.ClusterBase
{
    public override Task<MemberListResponse> MemberList(MemberListRequest request, ServerCallContext context) =>
        api.MemberListAsync(request, context.CancellationToken);
}
