using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>etcd's <c>etcdserverpb.Watch</c> service: one <see cref="WatchSession"/> per stream.</summary>
internal sealed class WatchService(EtcdApi api) : Watch.WatchBase
{
    public override Task Watch(IAsyncStreamReader<WatchRequest> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context) =>
        WatchSession.RunAsync(api, requestStream.ReadAllAsync(context.CancellationToken), r => responseStream.WriteAsync(r), context.CancellationToken);
}
