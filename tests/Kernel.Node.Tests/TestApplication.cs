using Kernel.Node.Runtime;
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

    public void MapClientEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/kv/{key}", async (string key, INodeClient client, CancellationToken cancellationToken) =>
            await client.ReadAsync(() => Machine.Get(key), linearizable: false, cancellationToken) is { } value
                ? Results.Text(value)
                : Results.NotFound());
}
