using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>
/// etcd's <c>etcdserverpb.Maintenance</c> service: Status; Alarm (this store raises none, so a GET lists none and raising or
/// clearing one is Unimplemented); Defragment (nothing to do: the store holds no free pages). The others answer Unimplemented.
/// </summary>
internal sealed class MaintenanceService(EtcdApi api) : Maintenance.MaintenanceBase
{
    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context) => api.StatusAsync(request, context.CancellationToken);

    public override Task<AlarmResponse> Alarm(AlarmRequest request, ServerCallContext context) =>
        request.Action == AlarmRequest.Types.AlarmAction.Get
            ? Task.FromResult(new AlarmResponse { Header = api.Header(0) })
            : throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, "etcdserver: alarms are not raised or cleared by hand on this member"));

    public override Task<DefragmentResponse> Defragment(DefragmentRequest request, ServerCallContext context) =>
        Task.FromResult(new DefragmentResponse { Header = api.Header(0) });
}
