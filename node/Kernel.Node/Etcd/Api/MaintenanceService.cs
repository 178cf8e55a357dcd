using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>etcd's <c>etcdserverpb.Maintenance</c> service: Status, Alarm and Defragment (the others answer Unimplemented).</summary>
internal sealed class MaintenanceService(EtcdApi api) : Maintenance.MaintenanceBase
{
    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context) => api.StatusAsync(request, context.CancellationToken);

    public override Task<AlarmResponse> Alarm(AlarmRequest request, ServerCallContext context) => api.AlarmAsync(request, context.CancellationToken);

    public override Task<DefragmentResponse> Defragment(DefragmentRequest request, ServerCallContext context) =>
        api.DefragmentAsync(request, context.CancellationToken);
}
