using Kernel.Node.Hosting;
using Kernel.Sdk.Replication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Tests;

/// <summary>
/// Replica members of a real replication strategy over real loopback gRPC, each a <see cref="ReplicaMemberHost"/> on the
/// layout of <see cref="TestCluster.Create"/> (free ports, data under a temporary folder removed at the end), started,
/// stopped and restarted one by one.
/// </summary>
internal sealed class ReplicaTestCluster : IAsyncDisposable
{
    private readonly TestCluster _layout;
    private readonly ILoggerFactory _loggers;

    public ReplicaTestCluster(IReplicationStrategy strategy, IConfiguration? strategyOptions = null, int count = 3)
    {
        Strategy = strategy;
        StrategyOptions = strategyOptions ?? new ConfigurationBuilder().Build();
        _layout = TestCluster.Create(count);
        Hosts = new ReplicaMemberHost?[count];
        _loggers = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Information));
    }

    public IReplicationStrategy Strategy { get; }

    public IConfiguration StrategyOptions { get; }

    public ClusterOptions[] Options => _layout.Options;

    public ReplicaMemberHost?[] Hosts { get; }

    public LogSink Logs { get; } = new();

    /// <summary>The members' clock (the system's unless a test sets it before starting them).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public static async Task<ReplicaTestCluster> StartAsync(IReplicationStrategy strategy, IConfiguration? strategyOptions = null, int count = 3)
    {
        var cluster = new ReplicaTestCluster(strategy, strategyOptions, count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await cluster.StartMemberAsync(i);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public async Task<ReplicaMemberHost> StartMemberAsync(int i)
    {
        Assert.Null(Hosts[i]);
        var host = await ReplicaMemberHost.StartAsync(Options[i], Strategy, StrategyOptions, new MemberHostServices { LoggerFactory = _loggers, Time = Time });
        Hosts[i] = host;
        return host;
    }

    public async Task StopMemberAsync(int i)
    {
        var host = Hosts[i];
        Assert.NotNull(host);
        Hosts[i] = null;
        await host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < Hosts.Length; i++)
        {
            if (Hosts[i] is not null)
            {
                await StopMemberAsync(i);
            }
        }

        _loggers.Dispose();
        await _layout.DisposeAsync(); // starts nothing; deletes the data folder
    }
}
