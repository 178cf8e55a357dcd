using System.Runtime.InteropServices;
using System.CommandLine;
using Kernel.Host.Hosting;
using Kernel.Node.Hosting;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Microsoft.Extensions.Logging;
using Serilog.Events;

namespace Kernel.Host.Cli;

/// <summary>
/// <c>kernel node</c>: one member of a cluster of processes or machines, with etcd's flags, serving etcd's v3 API on
/// the consensus strategy of <c>plugins.json</c>'s <c>cluster</c> section (or <c>--strategy</c>) until Ctrl+C.
/// </summary>
internal static class NodeCommand
{
    public static Command Create(TextWriter error)
    {
        var name = new Option<string>("--name") { Description = "This member's name, as --initial-cluster names it", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Where this member keeps its data (default: ./data/NAME)" };
        var peerUrls = new Option<string>("--listen-peer-urls") { Description = "Where other members reach this one, comma-separated (http://127.0.0.1:2380)", Required = true };
        var clientUrls = new Option<string>("--listen-client-urls") { Description = "Where clients reach this member over gRPC (HTTP/2), comma-separated (http://127.0.0.1:2379)", Required = true };
        var clientHttpUrls = new Option<string?>("--listen-client-http-urls") { Description = "Where the JSON gateway answers HTTP/1.1 (curl), comma-separated; optional" };
        var metricsUrls = new Option<string?>("--listen-metrics-urls") { Description = "Where /metrics (Prometheus), /health and /readyz answer HTTP/1.1, comma-separated; optional (they are on the client URLs too)" };
        var initialCluster = new Option<string>("--initial-cluster") { Description = "Every member as NAME=PEER_URL, comma-separated", Required = true };
        var token = new Option<string?>("--initial-cluster-token") { Description = $"The cluster's token: members with another one are refused (default {ClusterOptions.DefaultToken})" };
        var strategy = new Option<string?>("--strategy") { Description = "The strategy as consensus/NAME or replication/NAME (default: plugins.json's cluster.strategy, else consensus/raft)" };
        var snapshotCount = new Option<long?>("--snapshot-count") { Description = "Applied entries between two snapshots of this member's store (default: plugins.json's cluster.snapshotCount, else 100000; 0 never)" };
        var command = new Command("node", "Run one member of a multi-process or multi-machine cluster (etcd's flags), serving etcd's v3 API until Ctrl+C")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var o in new Option[] { name, dataDir, peerUrls, clientUrls, clientHttpUrls, metricsUrls, initialCluster, token, strategy, snapshotCount })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            if (KernelCli.TryLoadConfig(parse, error) is not { } config)
            {
                return KernelCli.InvalidInput;
            }

            using var loggers = KernelCli.CreateLoggerFactory(LogEventLevel.Information, error);
            await using var runtime = new KernelRuntime(config, loggers);
            try
            {
                runtime.Start();
            }
            catch (Configuration.ConfigurationException ex)
            {
                KernelCli.WriteError(error, ex.Message);
                return KernelCli.InvalidInput;
            }

            var key = parse.GetValue(strategy) ?? config.Cluster.Strategy;
            if (!runtime.Registry.TryGet(key, out var registration) || registration.Strategy is not (IConsensusStrategy or IReplicationStrategy))
            {
                KernelCli.WriteError(error, $"--strategy is '{key}', which is not a registered consensus or replication strategy ({ClusterService.Registered(runtime)}).");
                return KernelCli.InvalidInput;
            }

            static string[] List(string? text) => text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var member = parse.GetValue(name)!;
            var options = new ClusterOptions
            {
                Name = member,
                DataDir = parse.GetValue(dataDir) ?? Path.Combine("data", member),
                PeerUrls = List(parse.GetValue(peerUrls)),
                ClientUrls = List(parse.GetValue(clientUrls)),
                ClientHttpUrls = List(parse.GetValue(clientHttpUrls)),
                MetricsUrls = List(parse.GetValue(metricsUrls)),
                InitialCluster = parse.GetValue(initialCluster)!,
                Token = parse.GetValue(token) ?? config.Cluster.Token ?? ClusterOptions.DefaultToken,
                TickLength = config.Cluster.TickMilliseconds is { } tick ? TimeSpan.FromMilliseconds(tick) : Kernel.Node.Runtime.NodeRuntimeOptions.DefaultTickLength,
                SnapshotEvery = parse.GetValue(snapshotCount) ?? config.Cluster.SnapshotCount ?? Kernel.Node.Runtime.NodeRuntimeOptions.DefaultSnapshotEvery,
                RequestTimeout = config.Cluster.RequestTimeoutMilliseconds is { } timeout ? TimeSpan.FromMilliseconds(timeout) : TimeSpan.FromSeconds(5),
            };

            using var hold = runtime.Plugins.Hold(registration.PluginId, $"member {member} (kernel node)");
            IAsyncDisposable host;
            ClusterService.PreferShortPauses();
            var resolver = runtime.ResolverFor($"member {member} (kernel node)");
            try
            {
                host = registration.Strategy is IReplicationStrategy replication
                    ? await ReplicaMemberHost.StartAsync(options, replication, config.StrategyOptions("replication", replication.Name),
                        ClusterService.Services(runtime, loggers) with { Strategies = resolver }, ct).ConfigureAwait(false)
                    : await MemberHost.StartAsync(options, (IConsensusStrategy)registration.Strategy, config.StrategyOptions("consensus", registration.Strategy.Name),
                        ClusterService.Application, ClusterService.Services(runtime, loggers), ct).ConfigureAwait(false);
            }
            catch (ClusterOptionsException ex)
            {
                resolver.ReleaseAll();
                KernelCli.WriteError(error, string.Join(Environment.NewLine, ex.Errors));
                return KernelCli.InvalidInput;
            }
            catch (Exception ex) when (ex is IOException || (ex is InvalidOperationException or FormatException or ArgumentException && registration.Strategy is IReplicationStrategy))
            {
                // A replica that cannot be created from its directory or options says why (the strategy's message).
                resolver.ReleaseAll();
                KernelCli.WriteError(error, $"member {member} could not start: {ex.Message}");
                return KernelCli.InvalidInput;
            }

            await using (host.ConfigureAwait(false))
            {
                loggers.CreateLogger("Kernel.Host.Cluster").LogInformation("Member {Name} serves etcd's v3 API on {ClientUrls} with {Strategy}; peers on {PeerUrls}",
                    member, string.Join(",", options.ClientUrls), key, string.Join(",", options.PeerUrls));
                // Ctrl+C, or SIGTERM as service managers and kill(1) send it, stops the member cleanly (the WAL is synced as it goes).
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Cancel(); });
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => { signal.Cancel = true; stop.Cancel(); });
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            resolver.ReleaseAll();
            return 0;
        });
        return command;
    }
}
