using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>etcd's <c>etcdserverpb.Lease</c> service.</summary>
internal sealed class LeaseService(EtcdApi api) : Lease.LeaseBase
{
    public override Task<LeaseGrantResponse> LeaseGrant(LeaseGrantRequest request, ServerCallContext context) =>
        api.LeaseGrantAsync(request, context.CancellationToken);

    public override Task<LeaseRevokeResponse> LeaseRevoke(LeaseRevokeRequest request, ServerCallContext context) =>
        api.LeaseRevokeAsync(request, context.CancellationToken);

    public override async Task LeaseKeepAlive(
        IAsyncStreamReader<LeaseKeepAliveRequest> requestStream,
        IServerStreamWriter<LeaseKeepAliveResponse> responseStream,
        ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var response = await api.KeepAliveAsync(request, context.CancellationToken).ConfigureAwait(false);
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<LeaseTimeToLiveResponse> LeaseTimeToLive(LeaseTimeToLiveRequest request, ServerCallContext context) =>
        api.LeaseTimeToLiveAsync(request, context.CancellationToken);

    public override Task<LeaseLeasesResponse> LeaseLeases(LeaseLeasesRequest request, ServerCallContext context) =>
        api.LeaseLeasesAsync(request, context.CancellationToken);
}
