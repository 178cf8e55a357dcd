using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

using Kernel.Node.Hosting;
using Kernel.Node.Runtime;
using Kernel.Sdk.Consensus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Polly.Registry;

using UltimateConsensus;

namespace Kernel.Node.Tests;

/// <summary>
/// Members of the real Raft strategy over real loopback gRPC, each a <see cref="MemberHost"/> with its data directory
/// under a temporary folder (removed at the end), started, stopped and restarted one by one. Logs are kept.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    /// <summary>Generous: the machine is shared with other builds.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers;

    private TestCluster(string root, ClusterOptions[] options)
    {
        Root = root;
        Options = options;
        Hosts = new MemberHost?[options.Length];
        _loggers = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Information));
    }

    public string Root { get; }

    /// <summary>The strategy members start with (Raft unless a test changes it before starting them).</summary>
    public IConsensusStrategy Strategy { get; set; } = new RaftStrategy();

    /// <summary>The strategy's options (none: Raft's defaults) unless a test changes them before starting the members.</summary>
    public IConfiguration StrategyOptions { get; set; } = new ConfigurationBuilder().Build();

    /// <summary>The kernel's pipelines the members get (none unless a test sets them before starting them).</summary>
    public ResiliencePipelineProvider<string>? Pipelines { get; set; }

    /// <summary>Opens a member's data directory (the file system unless a test wraps it before starting the members).</summary>
    public Func<string, Kernel.Sdk.Storage.IDurableDirectory>? Directory { get; set; }

    /// <summary>What the members see as their data directory's free bytes (the file system's unless a test sets it).</summary>
    public Func<long?>? FreeDiskBytes { get; set; }

    public ClusterOptions[] Options { get; }

    public MemberHost?[] Hosts { get; }

    public LogSink Logs { get; } = new();

    public IEnumerable<MemberHost> Running => Hosts.OfType<MemberHost>();

    /// <summary>Lays out <paramref name="count"/> members on free loopback ports; <paramref name="adjust"/> changes a member's settings.</summary>
    public static TestCluster Create(int count = 3, Func<int, ClusterOptions, ClusterOptions>? adjust = null, string peerScheme = "http")
    {
        var root = Path.Combine(Path.GetTempPath(), "kernel-node-tests", Guid.NewGuid().ToString("N"));
        var ports = FreePorts(4 * count);
        string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        var names = Enumerable.Range(1, count).Select(i => "m" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        string PeerUrl(int port) => string.Create(CultureInfo.InvariantCulture, $"{peerScheme}://127.0.0.1:{port}");
        var initial = string.Join(",", names.Select((n, i) => n + "=" + PeerUrl(ports[2 * i])));
        var clients = string.Join(",", names.Select((n, i) => n + "=" + Url(ports[(2 * i) + 1])));
        var options = names.Select((n, i) =>
        {
            var o = new ClusterOptions
            {
                Name = n,
                DataDir = Path.Combine(root, n),
                PeerUrls = [PeerUrl(ports[2 * i])],
                ClientUrls = [Url(ports[(2 * i) + 1])],
                ClientHttpUrls = [Url(ports[(2 * count) + i])],
                MetricsUrls = [Url(ports[(3 * count) + i])],
                InitialCluster = initial,
                InitialClientUrls = clients,
                Token = "test-token",
                TickLength = TimeSpan.FromMilliseconds(25),
                SnapshotEvery = 50,
            };
            return adjust?.Invoke(i, o) ?? o;
        }).ToArray();
        return new TestCluster(root, options);
    }

    public static async Task<TestCluster> StartAsync(int count = 3, Func<int, ClusterOptions, ClusterOptions>? adjust = null, string peerScheme = "http")
    {
        var cluster = Create(count, adjust, peerScheme);
        for (var i = 0; i < count; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        return cluster;
    }

    public async Task<MemberHost> StartMemberAsync(int i)
    {
        Assert.Null(Hosts[i]);
        var host = await MemberHost.StartAsync(Options[i], Strategy, StrategyOptions, m => new TestApplication(m), new MemberHostServices { LoggerFactory = _loggers, Pipelines = Pipelines, Directory = Directory, FreeDiskBytes = FreeDiskBytes });
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

    public int IndexOf(MemberHost host) => Array.IndexOf(Hosts, host);

    /// <summary>The leader the running members agree on.</summary>
    public async Task<MemberHost> LeaderAsync()
    {
        MemberHost? leader = null;
        await Eventually(
            () =>
            {
                var running = Running.ToArray();
                var leaders = running.Where(h => h.Runtime.IsLeader).ToArray();
                if (leaders.Length != 1 || running.Any(h => h.Client.Status.LeaderId != leaders[0].Member.Id))
                {
                    return false;
                }

                leader = leaders[0];
                return true;
            },
            "the running members agree on a leader");
        return leader!;
    }

    /// <summary>The leader <paramref name="members"/> agree on.</summary>
    public static async Task<MemberHost> LeaderOfAsync(TestCluster cluster, params MemberHost[] members)
    {
        MemberHost? leader = null;
        await Eventually(
            () =>
            {
                leader = members.FirstOrDefault(h => h.Runtime.IsLeader);
                return leader is not null && members.All(h => h.Client.Status.LeaderId == leader.Member.Id);
            },
            "the members agree on a leader");
        return leader!;
    }

    public MemberHost Follower(MemberHost leader) => Running.First(h => h != leader);

    /// <summary>A member's value of a key, read on its loop.</summary>
    public static async Task<string?> ValueAsync(MemberHost host, string key, bool linearizable = false)
    {
        // A refused read did nothing, so a client may retry it, as etcd's clients do (a read index lost while a peer
        // stream reconnects on a loaded machine times out as a refusal).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await host.Client.ReadAsync(() => ((TestApplication)host.Application).Machine.Get(key), linearizable, CancellationToken.None);
            }
            catch (ProposalRejectedException) when (attempt < 5)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Polls until every running member holds <paramref name="value"/> at <paramref name="key"/>.</summary>
    public Task AllHoldAsync(string key, string value) =>
        Eventually(
            async () =>
            {
                foreach (var host in Running)
                {
                    if (await ValueAsync(host, key) != value)
                    {
                        return false;
                    }
                }

                return true;
            },
            $"every member holds {key}={value}");

    public static Task Eventually(Func<bool> condition, string what) => Eventually(() => Task.FromResult(condition()), what);

    public static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (ProposalRejectedException)
            {
                // not yet
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Proposes on <paramref name="host"/>, retrying while there is no leader or the leader changed under it.</summary>
    public static async Task<object?> ProposeAsync(MemberHost host, string key, string value)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                return await host.Client.ProposeAsync(KvMachine.Set(key, value), CancellationToken.None);
            }
            catch (ProposalRejectedException ex) when (ex.Reason == RejectionReason.NoLeader && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            catch (ProposalOutcomeUnknownException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50); // a leader change: a put may be applied twice, which a register does not mind
            }
        }
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
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var l in listeners)
        {
            l.Start();
        }

        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners)
        {
            l.Stop();
        }

        return ports;
    }
}

/// <summary>Keeps every log line (category, level, message).</summary>
internal sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
