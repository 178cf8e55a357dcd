using Grpc.Core;

using Kernel.Node.Runtime;
using Kernel.Node.Transport.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Node.Tests;

/// <summary>The tests' member application: a <see cref="KvMachine"/> and one endpoint, <c>GET /kv/{key}</c>, a serializable read.</summary>
internal sealed class TestApplication(MemberInfo member) : IMemberApplication
{
    public MemberInfo Member { get; } = member;

    public KvMachine Machine { get; } = new();

    public IReplicatedStateMachine StateMachine => Machine;

    public void ConfigureServices(IServiceCollection services) => services.AddSingleton(this);

    public void MapClientEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/kv/{key}", async (string key, INodeClient client, CancellationToken cancellationToken) =>
            await client.ReadAsync(() => Machine.Get(key), linearizable: false, cancellationToken) is { } value
                ? Results.Text(value)
                : Results.NotFound());

        // A gRPC service on the client listener, at the very route the peer service has on the peer listener.
        endpoints.MapGrpcService<ClientGreeter>();
    }

    /// <summary>Answers a stream with a welcome at once (the real peer service starts with a challenge).</summary>
    internal sealed class ClientGreeter : Peer.PeerBase
    {
        public override Task Connect(IAsyncStreamReader<PeerFrame> requestStream, IServerStreamWriter<PeerFrame> responseStream, ServerCallContext context) =>
            responseStream.WriteAsync(new PeerFrame { Welcome = new Welcome() });
    }
}
