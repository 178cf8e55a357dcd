using System.Net;
using System.Security.Cryptography.X509Certificates;

using Kernel.Node.Runtime;
using Kernel.Node.Transport;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Metrics;
using Polly.Registry;

namespace Kernel.Node.Hosting;

/// <summary>What a member host takes from its surroundings (the kernel's logging, clock and resilience pipelines).</summary>
internal sealed record MemberHostServices
{
    /// <summary>Where the member logs; default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock of ticks, retries and timeouts; default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The kernel's pipelines; the one named <see cref="PeerTransportOptions.DefaultPipelineName"/> connects peers when there is one.</summary>
    public ResiliencePipelineProvider<string>? Pipelines { get; init; }

    /// <summary>Opens the member's data directory from its path; default: the file system (tests wrap it to inject faults).</summary>
    public Func<string, IDurableDirectory>? Directory { get; init; }

    /// <summary>The data directory's free bytes (null: unknown); default: asks the file system (tests tell their own).</summary>
    public Func<long?>? FreeDiskBytes { get; init; }

    /// <summary>
    /// What a replication strategy's options name (a <c>conflict/...</c> resolver, a <c>crdt/...</c> type), for replica
    /// members; null: none offered (a strategy that needs one fails to create its replica).
    /// </summary>
    public Kernel.Sdk.Strategies.IStrategyResolver? Strategies { get; init; }
}

/// <summary>Bad member settings: every problem, each naming its option (the CLI prints them and exits with 2).</summary>
internal sealed class ClusterOptionsException(IReadOnlyList<string> errors)
    : Exception("Invalid member settings:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    /// <summary>The problems.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// One running member: a Kestrel server with a peer listener (the peer gRPC service only), client listeners (the member
/// application's endpoints, and <c>/health</c>, <c>/readyz</c> and <c>/metrics</c>) and optional metrics listeners (those
/// three only), the node runtime over the member's data directory, and the peer transport.
/// </summary>
internal sealed class MemberHost : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly PeerTransport _transport;
    private readonly ILogger _logger;
    private int _disposed;

    private MemberHost(ClusterOptions options, MemberInfo member, NodeRuntime runtime, PeerTransport transport, IMemberApplication application, WebApplication web, ILogger logger)
    {
        Options = options;
        Member = member;
        Runtime = runtime;
        _transport = transport;
        Application = application;
        _web = web;
        _logger = logger;
    }

    /// <summary>The member's settings.</summary>
    public ClusterOptions Options { get; }

    /// <summary>The member.</summary>
    public MemberInfo Member { get; }

    /// <summary>What the member's client API uses.</summary>
    public INodeClient Client => Runtime;

    /// <summary>The member's runtime.</summary>
    public NodeRuntime Runtime { get; }

    /// <summary>The member's application (its state machine and client endpoints).</summary>
    public IMemberApplication Application { get; }

    /// <summary>The member's services (the application's among them).</summary>
    public IServiceProvider Services => _web.Services;

    /// <summary>The peer transport (tests look at its connections).</summary>
    internal PeerTransport Transport => _transport;

    /// <summary>
    /// Starts one member: validates the settings (every error at once), creates the application, opens the data
    /// directory, starts Kestrel on the peer and client URLs, then the runtime and the peer streams.
    /// </summary>
    /// <param name="options">The member's settings.</param>
    /// <param name="strategy">The consensus strategy (the one <c>plugins.json</c> names).</param>
    /// <param name="strategyOptions">The strategy's options section (validated here).</param>
    /// <param name="application">Makes the member's application (its state machine and client API) for the member.</param>
    /// <param name="services">Logging, clock, pipelines; null: the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ClusterOptionsException">The settings or the strategy's options are invalid.</exception>
    public static async Task<MemberHost> StartAsync(
        ClusterOptions options,
        IConsensusStrategy strategy,
        IConfiguration strategyOptions,
        Func<MemberInfo, IMemberApplication> application,
        MemberHostServices? services = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(strategyOptions);
        ArgumentNullException.ThrowIfNull(application);
        services ??= new MemberHostServices();
        var errors = options.Validate().Concat(strategy.ValidateOptions(strategyOptions).Select(e => $"consensus/{strategy.Name}: {e}")).ToArray();
        if (errors.Length > 0)
        {
            throw new ClusterOptionsException(errors);
        }

        var loggers = services.LoggerFactory;
        var logger = loggers.CreateLogger("Kernel.Node.Member");
        var members = options.Members();
        var self = members.Single(m => m.Name == options.Name);
        var cluster = new ClusterMap(MemberIdentity.ClusterId(members.Select(m => m.Id), options.Token), members, self.Id);
        var app = application(self);
        var runtime = new NodeRuntime(strategy, strategyOptions, cluster, app.StateMachine, services.Directory?.Invoke(options.DataDirectory) ?? new FileSystemDirectory(options.DataDirectory), options.Runtime with { LinkKeys = new TokenLinkKeys(options.Token, cluster), FreeDiskBytes = services.FreeDiskBytes }, services.Time, loggers.CreateLogger("Kernel.Node.Runtime"));

        var transportOptions = TransportOptions(options);
        var transport = new PeerTransport(cluster, strategy.Codec, transportOptions, services.Pipelines, services.Time, loggers);
        var web = BuildWeb(options, self, transport, transportOptions, services, new MemberHealthCheck(runtime), s =>
        {
            s.AddSingleton<INodeClient>(runtime);
            app.ConfigureServices(s);
        }, app.MapClientEndpoints);

        var host = new MemberHost(options, self, runtime, transport, app, web, logger);
        try
        {
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
            runtime.Start(transport);
            transport.Start(runtime);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        logger.LogInformation(
            "Member {Member} ({MemberId:x16}) of cluster {ClusterId:x16} serves peers on {PeerUrls} and clients on {ClientUrls}",
            self.Name,
            self.Id,
            cluster.ClusterId,
            string.Join(",", options.PeerUrls),
            string.Join(",", options.ClientUrls));
        return host;
    }

    /// <summary>
    /// Stops the member: the runtime (queued requests rejected, taken ones failed as unknown), the peer streams, Kestrel,
    /// then the application when it is disposable.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Runtime.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await StopWebAsync(_web).ConfigureAwait(false);
        switch (Application)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _logger.LogInformation("Member {Member} stopped", Member.Name);
    }

    /// <summary>Stops Kestrel (connections still open after a 5 s grace period are aborted) and disposes it.</summary>
    internal static async Task StopWebAsync(WebApplication web)
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await web.StopAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // connections still open after the grace period are aborted
            }
        }

        await web.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The member's Kestrel server: peer listeners (the peer gRPC service only), client listeners (the client API and
    /// <c>/health</c>, <c>/readyz</c>, <c>/metrics</c>) and metrics listeners (those three only), for consensus and
    /// replica members alike.
    /// </summary>
    internal static WebApplication BuildWeb(
        ClusterOptions options,
        MemberInfo self,
        PeerTransport transport,
        PeerTransportOptions transportOptions,
        MemberHostServices services,
        Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck health,
        Action<IServiceCollection> configureServices,
        Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder> mapClientEndpoints)
    {
        var loggers = services.LoggerFactory;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(MemberHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            foreach (var url in options.PeerUrls)
            {
                // With a trusted CA, peers must present a certificate that chains to it (mutual TLS, etcd's --peer-client-cert-auth).
                Listen(kestrel, url, HttpProtocols.Http2, options.PeerCertFile, options.PeerKeyFile, transportOptions.TrustedPeerCertificates);
            }

            foreach (var url in options.ClientUrls)
            {
                var tls = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                Listen(kestrel, url, tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2, options.ClientCertFile, options.ClientKeyFile);
            }

            foreach (var url in options.ClientHttpUrls.Concat(options.MetricsUrls))
            {
                var tls = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                Listen(kestrel, url, tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1, options.ClientCertFile, options.ClientKeyFile);
            }
        });
        builder.Services.AddSingleton(loggers);
        builder.Services.AddLogging();
        builder.Services.AddRouting();
        builder.Services.AddSingleton(new MemberName(self.Name));
        builder.Services.AddSingleton<RequestMetricsInterceptor>();
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<RequestMetricsInterceptor>()).AddServiceOptions<PeerService>(peer =>
        {
            peer.MaxReceiveMessageSize = null; // a snapshot travels in one message
            peer.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(transport);
        builder.Services.AddSingleton(services.Time);
        // Prometheus text on /metrics: the Kernel.Node meter (every member this process runs, told apart by the member label).
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(NodeMetrics.MeterName).AddPrometheusExporter());
        builder.Services.AddHealthChecks().AddCheck("member", health);
        builder.Services.AddSingleton<Microsoft.AspNetCore.Routing.MatcherPolicy, ListenerPortMatcherPolicy>();
        configureServices(builder.Services);
        var web = builder.Build();
        web.UseRouting();

        // Each endpoint answers only on its own listeners, told apart by the connection's local port when routes are matched
        // (not by the Host header, which clients set as they like: etcdctl with several endpoints sends the first one's).
        web.MapGrpcService<PeerService>().WithMetadata(Ports(options.PeerUrls));
        var clientPorts = Ports([.. options.ClientUrls, .. options.ClientHttpUrls]);
        var observerPorts = Ports([.. options.ClientUrls, .. options.ClientHttpUrls, .. options.MetricsUrls]);
        web.MapHealthChecks("/health").WithMetadata(observerPorts);
        web.MapHealthChecks("/readyz").WithMetadata(observerPorts);
        web.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(observerPorts);
        mapClientEndpoints(web.MapGroup(string.Empty).WithMetadata(clientPorts));
        return web;
    }

    internal static PeerTransportOptions TransportOptions(ClusterOptions options)
    {
        X509Certificate2? certificate = null;
        if (options.PeerCertFile is { } cert && options.PeerKeyFile is { } key)
        {
            certificate = X509Certificate2.CreateFromPemFile(cert, key);
        }

        X509Certificate2Collection? trusted = null;
        if (options.PeerTrustedCaFile is { } ca)
        {
            trusted = [];
            trusted.ImportFromPemFile(ca);
        }

        return new PeerTransportOptions { Token = options.Token, ClientCertificate = certificate, TrustedPeerCertificates = trusted };
    }

    private static void Listen(KestrelServerOptions kestrel, string url, HttpProtocols protocols, string? certFile, string? keyFile, X509Certificate2Collection? clientsFrom = null)
    {
        var uri = new Uri(url);
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            if (uri.Scheme != "https")
            {
                return;
            }

            var https = new HttpsConnectionAdapterOptions { ServerCertificate = X509Certificate2.CreateFromPemFile(certFile!, keyFile) };
            if (clientsFrom is not null)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => PeerTls.ChainsTo(certificate, clientsFrom);
            }

            listen.UseHttps(https);
        }

        if (uri.Host is "localhost")
        {
            kestrel.ListenLocalhost(uri.Port, Configure);
        }
        else if (IPAddress.TryParse(uri.Host, out var address))
        {
            kestrel.Listen(address, uri.Port, Configure);
        }
        else
        {
            kestrel.ListenAnyIP(uri.Port, Configure);
        }
    }

    private static ListenerPorts Ports(IEnumerable<string> urls) => new([.. urls.Select(u => new Uri(u).Port).Distinct()]);


}
