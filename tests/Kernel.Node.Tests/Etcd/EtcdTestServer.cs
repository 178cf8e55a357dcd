using System.Net;

using Kernel.Node.Etcd;
using Kernel.Node.Runtime;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Tests.Etcd;

/// <summary>
/// <see cref="EtcdMemberApplication"/> hosted in a real Kestrel server over a <see cref="SingleMemberNodeClient"/>, on two
/// free loopback ports: HTTP/2 without TLS for gRPC (as etcd clients speak it: Kestrel serves cleartext HTTP/2 only on an
/// HTTP/2-only endpoint) and HTTP/1.1 for the JSON gateway (as curl speaks it).
/// </summary>
internal sealed class EtcdTestServer : IAsyncDisposable
{
    private readonly WebApplication _web;

    private EtcdTestServer(WebApplication web, EtcdMemberApplication application, SingleMemberNodeClient node, string url, string gatewayUrl)
    {
        GatewayUrl = gatewayUrl;
        _web = web;
        Application = application;
        Node = node;
        Url = url;
    }

    public EtcdMemberApplication Application { get; }

    public SingleMemberNodeClient Node { get; }

    /// <summary>The client URL, <c>http://127.0.0.1:port</c>.</summary>
    public string Url { get; }

    /// <summary>The JSON gateway's URL (HTTP/1.1), <c>http://127.0.0.1:port</c>.</summary>
    public string GatewayUrl { get; }

    /// <summary>The endpoint as etcdctl takes it, <c>127.0.0.1:port</c>.</summary>
    public string Endpoint => Url["http://".Length..];

    public static async Task<EtcdTestServer> StartAsync(TimeProvider? time = null, EtcdApiOptions? options = null)
    {
        var application = new EtcdMemberApplication(time, options);
        var node = new SingleMemberNodeClient(application.StateMachine);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton<INodeClient>(node);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        application.ConfigureServices(builder.Services);
        var web = builder.Build();
        application.MapClientEndpoints(web);
        await web.StartAsync();
        var addresses = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        node.ClientUrl = addresses[0];
        return new EtcdTestServer(web, application, node, addresses[0], addresses[1]);
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
    }
}
