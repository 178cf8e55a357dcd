using Kernel.Node.Etcd.Api;
using Kernel.Node.Etcd.Replication;
using Kernel.Node.Runtime;
using Kernel.Node.Transport;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Hosting;

/// <summary>
/// One running member of a replication strategy's group: the same Kestrel server as a consensus member
/// (<see cref="MemberHost.BuildWeb"/>), a <see cref="ReplicaRuntime"/> over the member's data directory, the peer
/// transport with the strategy's codec, and etcd's KV service over the replica (<see cref="ReplicaKv"/>). etcd's Watch,
/// Lease, Cluster and Maintenance services and the JSON gateway are not served (their calls answer <c>Unimplemented</c>):
/// a replica group has no global revision order to watch, no leader to keep leases and no log to report.
/// </summary>
internal sealed class ReplicaMemberHost : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly PeerTransport _transport;
    private readonly ILogger _logger;
    private int _disposed;

    private ReplicaMemberHost(ClusterOptions options, MemberInfo member, ReplicaRuntime runtime, PeerTransport transport, WebApplication web, ILogger logger)
    {
        Options = options;
        Member = member;
        Runtime = runtime;
        _transport = transport;
        _web = web;
        _logger = logger;
    }

    /// <summary>The member's settings.</summary>
    public ClusterOptions Options { get; }

    /// <summary>The member.</summary>
    public MemberInfo Member { get; }

    /// <summary>The member's runtime.</summary>
    public ReplicaRuntime Runtime { get; }

    /// <summary>The peer transport (tests look at its connections).</summary>
    internal PeerTransport Transport => _transport;

    /// <summary>
    /// Starts one member: validates the settings and the strategy's options (every error at once), starts Kestrel on the
    /// peer and client URLs, then the runtime (which creates the replica from the data directory) and the peer streams.
    /// </summary>
    /// <param name="options">The member's settings (its snapshot count is not used: a replica persists what it decides).</param>
    /// <param name="strategy">The replication strategy.</param>
    /// <param name="strategyOptions">The strategy's options section (validated here).</param>
    /// <param name="services">Logging, clock, pipelines, the resolver of what the strategy's options name; null: the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ClusterOptionsException">The settings or the strategy's options are invalid.</exception>
    public static async Task<ReplicaMemberHost> StartAsync(
        ClusterOptions options,
        IReplicationStrategy strategy,
        IConfiguration strategyOptions,
        MemberHostServices? services = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(strategyOptions);
        services ??= new MemberHostServices();
        var errors = options.Validate().Concat(strategy.ValidateOptions(strategyOptions).Select(e => $"replication/{strategy.Name}: {e}")).ToArray();
        if (errors.Length > 0)
        {
            throw new ClusterOptionsException(errors);
        }

        var loggers = services.LoggerFactory;
        var logger = loggers.CreateLogger("Kernel.Node.Member");
        var members = options.Members();
        var self = members.Single(m => m.Name == options.Name);
        var cluster = new ClusterMap(MemberIdentity.ClusterId(members.Select(m => m.Id), options.Token), members, self.Id);
        var directory = services.Directory?.Invoke(options.DataDirectory) ?? new FileSystemDirectory(options.DataDirectory);
        var runtime = new ReplicaRuntime(strategy, strategyOptions, cluster, directory, options.Runtime, services.Strategies, EtcdReplicaModel.Instance, services.Time, loggers.CreateLogger("Kernel.Node.Runtime"));
        var transportOptions = MemberHost.TransportOptions(options);
        var transport = new PeerTransport(cluster, strategy.Codec, transportOptions, services.Pipelines, services.Time, loggers);
        var web = MemberHost.BuildWeb(options, self, transport, transportOptions, services, new ReplicaHealthCheck(runtime), s =>
        {
            s.AddGrpc();
            s.AddSingleton<IReplicaClient>(runtime);
            s.AddSingleton<IKvBackend, ReplicaKv>();
        }, endpoints => endpoints.MapGrpcService<KvService>());

        var host = new ReplicaMemberHost(options, self, runtime, transport, web, logger);
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
            "Member {Member} ({MemberId:x16}) of cluster {ClusterId:x16} runs a replica of replication/{Strategy}; peers on {PeerUrls}, clients on {ClientUrls}",
            self.Name,
            self.Id,
            cluster.ClusterId,
            strategy.Name,
            string.Join(",", options.PeerUrls),
            string.Join(",", options.ClientUrls));
        return host;
    }

    /// <summary>Stops the member: the runtime (taken commands failed as unknown), the peer streams, then Kestrel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Runtime.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await MemberHost.StopWebAsync(_web).ConfigureAwait(false);
        _logger.LogInformation("Member {Member} stopped", Member.Name);
    }

    /// <summary>Healthy while the replica's loop runs (no leader to know of: every replica serves on its own).</summary>
    private sealed class ReplicaHealthCheck(ReplicaRuntime runtime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var data = new Dictionary<string, object> { ["member"] = runtime.Member.Name, ["strategy"] = runtime.StrategyKey, ["inflight"] = runtime.Inflight };
            return Task.FromResult(runtime.Failure is { } failure
                ? HealthCheckResult.Unhealthy("the member stopped: " + failure, data: data)
                : runtime.IsRunning ? HealthCheckResult.Healthy("replica running", data) : HealthCheckResult.Unhealthy("stopped", data: data));
        }
    }
}
