using Kernel.Host.Configuration;
using Kernel.Node.Etcd;
using Kernel.Node.Hosting;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Hosting;

/// <summary>
/// The kernel's main job under <c>run</c>: once the plugins are loaded, a cluster of members in this process on the
/// consensus strategy of the configuration's <c>cluster</c> section, each serving etcd's v3 API over durable data, or on
/// its replication strategy, each member a replica serving etcd's KV API (<see cref="ReplicaMemberHost"/>).
/// The strategy's plugin is held while the cluster runs. With no section and no <c>consensus/raft</c> registered, the
/// kernel runs alone; a strategy the section names but no plugin registers, or bad member settings, exit with 2.
/// </summary>
internal sealed class ClusterService(
    KernelRuntime runtime,
    IHostApplicationLifetime lifetime,
    ExitCodeHolder exit,
    TextWriter error,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("Kernel.Host.Cluster");
    private EmbeddedCluster? _cluster;
    private List<ReplicaMemberHost>? _replicas;
    private Registry.StrategyResolver? _resolver;
    private IDisposable? _hold;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (exit.Code != 0)
        {
            return; // the kernel itself did not start
        }

        var cluster = runtime.Config.Cluster;
        if (!runtime.Registry.TryGet(cluster.Strategy, out var registration) || registration.Strategy is not (IConsensusStrategy or IReplicationStrategy))
        {
            var available = Registered(runtime);
            if (!cluster.Named)
            {
                _logger.LogWarning("Not serving a cluster: {Strategy} is not registered ({Available}); name one in plugins.json's \"cluster\": {{ \"strategy\": ... }}", cluster.Strategy, available);
                return;
            }

            Fail($"cluster.strategy is '{cluster.Strategy}', which no loaded plugin registers ({available}).");
            return;
        }

        var name = registration.Strategy.Name;
        PreferShortPauses();
        var members = EmbeddedCluster.Layout(Path.GetFullPath(cluster.DataDir), cluster.Members, clientPort: cluster.ClientPort, token: cluster.Token ?? ClusterOptions.DefaultToken)
            .Select(m => cluster.TickMilliseconds is { } tick ? m with { TickLength = TimeSpan.FromMilliseconds(tick) } : m)
            .Select(m => cluster.SnapshotCount is { } count ? m with { SnapshotEvery = count } : m)
            .Select(m => cluster.RequestTimeoutMilliseconds is { } timeout ? m with { RequestTimeout = TimeSpan.FromMilliseconds(timeout) } : m)
            .ToList();
        try
        {
            _hold = runtime.Plugins.Hold(registration.PluginId, "the cluster that kernel run serves");
            if (registration.Strategy is IReplicationStrategy replication)
            {
                _resolver = runtime.ResolverFor("the cluster that kernel run serves");
                _replicas = await StartReplicasAsync(members, replication, runtime.Config.StrategyOptions("replication", name), Services(runtime, loggers) with { Strategies = _resolver }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _cluster = await EmbeddedCluster.StartAsync(
                    members,
                    (IConsensusStrategy)registration.Strategy,
                    runtime.Config.StrategyOptions("consensus", name),
                    Application,
                    Services(runtime, loggers),
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ClusterOptionsException ex)
        {
            Fail(string.Join(Environment.NewLine, ex.Errors));
            return;
        }
        catch (IOException ex)
        {
            Fail($"the cluster could not start: {ex.Message} (is another process using the ports from {cluster.ClientPort}, or the data folder {cluster.DataDir}?)");
            return;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException && registration.Strategy is IReplicationStrategy)
        {
            Fail($"the cluster could not start: {ex.Message}");
            return;
        }

        foreach (var m in members)
        {
            if (cluster.IsReplication)
            {
                _logger.LogInformation("Member {Name} runs a replica serving etcd's KV API on {ClientUrls} (peers on {PeerUrls}; /metrics and /health on {HttpUrls}), data in {DataDir}",
                    m.Name, string.Join(",", m.ClientUrls), string.Join(",", m.PeerUrls), string.Join(",", m.ClientHttpUrls), m.DataDir);
            }
            else
            {
                _logger.LogInformation("Member {Name} serves etcd's v3 API on {ClientUrls} (peers on {PeerUrls}; HTTP/1.1 gateway, /metrics and /health on {HttpUrls}), data in {DataDir}",
                    m.Name, string.Join(",", m.ClientUrls), string.Join(",", m.PeerUrls), string.Join(",", m.ClientHttpUrls), m.DataDir);
            }
        }

        var first = new Uri(members[0].ClientUrls[0]);
        _logger.LogInformation("Serving {Strategy} with {Members} members; try: etcdctl --endpoints={Endpoint} put greeting hello",
            cluster.Strategy, members.Count, $"{first.Host}:{first.Port}");
    }

    /// <summary>Starts a replica member per settings (all validated first, every error at once); stops the started ones if one fails.</summary>
    private static async Task<List<ReplicaMemberHost>> StartReplicasAsync(IReadOnlyList<ClusterOptions> members, IReplicationStrategy strategy, Microsoft.Extensions.Configuration.IConfiguration options, MemberHostServices services, CancellationToken cancellationToken)
    {
        var errors = members.SelectMany(m => m.Validate().Select(e => $"member {m.Name}: {e}")).ToArray();
        if (errors.Length > 0)
        {
            throw new ClusterOptionsException(errors);
        }

        var started = new List<ReplicaMemberHost>();
        try
        {
            foreach (var member in members)
            {
                started.Add(await ReplicaMemberHost.StartAsync(member, strategy, options, services, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var host in started)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return started;
    }

    /// <summary>
    /// Asks the garbage collector for short pauses while members serve (<see cref="System.Runtime.GCLatencyMode.SustainedLowLatency"/>:
    /// full collections in the background where it can): a pause stops every member's loop at once, and one past the
    /// election timeout costs the cluster its leader.
    /// </summary>
    internal static void PreferShortPauses() => System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;

    /// <summary>What a member serves: etcd's v3 API over its store (for <c>run</c> and <c>node</c> alike).</summary>
    internal static EtcdMemberApplication Application(Kernel.Node.Runtime.MemberInfo member) => new(TimeProvider.System);

    /// <summary>What a member takes from the kernel: its logging and its resilience pipelines.</summary>
    internal static MemberHostServices Services(KernelRuntime runtime, ILoggerFactory loggers) =>
        new() { LoggerFactory = loggers, Pipelines = runtime.Resilience.Provider };

    /// <summary>The registered consensus and replication strategies, for a message about one that is not.</summary>
    internal static string Registered(KernelRuntime runtime)
    {
        var served = runtime.Registry.All.Where(r => r.Strategy is IConsensusStrategy or IReplicationStrategy).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
        return served.Count == 0 ? "no plugin registers a consensus or replication strategy" : "registered: " + string.Join(", ", served);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is { } c)
        {
            _cluster = null;
            await c.DisposeAsync().ConfigureAwait(false);
        }

        if (_replicas is { } replicas)
        {
            _replicas = null;
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync().ConfigureAwait(false);
            }
        }

        _resolver?.ReleaseAll();
        _resolver = null;

        _hold?.Dispose();
        _hold = null;
    }

    private void Fail(string message)
    {
        _resolver?.ReleaseAll();
        _resolver = null;
        _hold?.Dispose();
        _hold = null;
        Cli.KernelCli.WriteError(error, message);
        exit.Code = Cli.KernelCli.InvalidInput;
        lifetime.StopApplication();
    }
}
