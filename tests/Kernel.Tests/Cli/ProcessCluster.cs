using System.Globalization;

using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Tests.Cli;

/// <summary>The tests that run process clusters, one at a time (each cluster is three processes on the machine's cores).</summary>
[CollectionDefinition(Name)]
public sealed class ProcessClusterCollection
{
    public const string Name = "process clusters";
}

/// <summary>
/// A cluster of <c>kernel node</c> processes (one per member, etcd's flags) on the Raft plugin, on free loopback ports,
/// each with its data under the plugins folder's root (or a directory the test names); a member's process can be killed,
/// stopped and started again on its data. Dispose kills what still runs and deletes the folder.
/// </summary>
internal sealed class ProcessCluster : IDisposable
{
    private readonly TestPluginsFolder _folder = new();
    private readonly string _config;
    private readonly string _token;
    private readonly int[] _ports;
    private readonly string[] _dataDirs;
    private readonly GrpcChannel[] _channels;

    private ProcessCluster(string token, int members, int tickMilliseconds, Func<int, string?>? dataDir, string strategy, IReadOnlyList<string>? plugins, string? strategies)
    {
        foreach (var plugin in plugins ?? ["UltimateConsensus"])
        {
            _folder.Add(plugin);
        }

        var options = strategies is null ? string.Empty : ", \"strategies\": " + strategies;
        _config = _folder.WriteConfig(string.Create(CultureInfo.InvariantCulture, $$"""{ "cluster": { "strategy": "{{strategy}}", "tickMilliseconds": {{tickMilliseconds}} }{{options}} }"""));
        _token = token;
        _ports = FreePorts(2 * members);
        Names = [.. Enumerable.Range(1, members).Select(i => "m" + i.ToString(CultureInfo.InvariantCulture))];
        ClientUrls = [.. Enumerable.Range(0, members).Select(i => Url(_ports[(2 * i) + 1]))];
        _dataDirs = [.. Enumerable.Range(0, members).Select(i => dataDir?.Invoke(i) ?? Path.Combine(_folder.Root, "data", Names[i]))];
        _channels = [.. ClientUrls.Select(u => GrpcChannel.ForAddress(u))];
        Members = new RunningKernel?[members];
    }

    /// <summary>The members' names, m1, m2, ….</summary>
    public string[] Names { get; }

    /// <summary>Each member's client URL (<c>http://127.0.0.1:PORT</c>).</summary>
    public string[] ClientUrls { get; }

    /// <summary>Each member's client endpoint as etcdctl takes it (<c>127.0.0.1:PORT</c>).</summary>
    public string[] Endpoints => [.. ClientUrls.Select(u => u["http://".Length..])];

    /// <summary>Every member's endpoint, comma-separated (etcdctl's <c>--endpoints</c>).</summary>
    public string AllEndpoints => string.Join(",", Endpoints);

    /// <summary>A gRPC channel to each member's client URL (disposed with the cluster).</summary>
    public IReadOnlyList<GrpcChannel> Channels => _channels;

    /// <summary>The running process of each member (null while one is down).</summary>
    public RunningKernel?[] Members { get; }

    /// <summary>
    /// Starts <paramref name="members"/> <c>kernel node</c> processes of one cluster (token <paramref name="token"/>);
    /// <paramref name="dataDir"/> may place a member's data elsewhere (null: under the folder). Does not wait for a leader.
    /// <paramref name="plugins"/> are the deployed plugins the folder gets (null: UltimateConsensus);
    /// <paramref name="strategies"/>, when given, is the JSON of plugins.json's <c>strategies</c> section (strategy options).
    /// </summary>
    public static ProcessCluster Start(string token, int members = 3, int tickMilliseconds = 50, Func<int, string?>? dataDir = null, string strategy = "consensus/raft", IReadOnlyList<string>? plugins = null, string? strategies = null)
    {
        var cluster = new ProcessCluster(token, members, tickMilliseconds, dataDir, strategy, plugins, strategies);
        try
        {
            for (var i = 0; i < members; i++)
            {
                cluster.StartMember(i);
            }

            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts three members and waits (up to a minute) for one of them to lead.</summary>
    public static async Task<ProcessCluster> StartWithLeaderAsync(string token, int members = 3, int tickMilliseconds = 50, Func<int, string?>? dataDir = null, string strategy = "consensus/raft")
    {
        var cluster = Start(token, members, tickMilliseconds, dataDir, strategy);
        try
        {
            await cluster.WaitForLeaderAsync();
            await cluster.WaitForAgreementAsync();
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>The command line of member <paramref name="i"/>.</summary>
    public string[] Args(int i) =>
    [
        "node", "--name", Names[i], "--data-dir", _dataDirs[i],
        "--listen-peer-urls", Url(_ports[2 * i]), "--listen-client-urls", ClientUrls[i],
        "--initial-cluster", string.Join(",", Names.Select((n, m) => $"{n}={Url(_ports[2 * m])}")),
        "--initial-cluster-token", _token, "--config", _config, "--plugins-dir", _folder.Folder,
    ];

    /// <summary>Starts member <paramref name="i"/>'s process (on its data, when it ran before); a previous one is disposed.</summary>
    public RunningKernel StartMember(int i)
    {
        Members[i]?.Dispose();
        Members[i] = KernelProcess.Start(Args(i));
        return Members[i]!;
    }

    /// <summary>Every member's output so far, each under its name.</summary>
    public string Logs() => string.Join("\n", Members.Select((m, i) => $"--- {Names[i]}:\n{m?.Output}"));

    /// <summary>The index of the member that leads now, asked of each in turn; -1 when none answers with a leader.</summary>
    public async Task<int> LeaderAsync()
    {
        for (var i = 0; i < _channels.Length; i++)
        {
            if (Members[i] is not { Process.HasExited: false })
            {
                continue;
            }

            try
            {
                var status = await new Maintenance.MaintenanceClient(_channels[i]).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (status.Leader != 0 && status.Leader == status.Header.MemberId)
                {
                    return i;
                }
            }
            catch (RpcException)
            {
                // down or starting
            }
        }

        return -1;
    }

    /// <summary>Waits for a leader among the running members (up to <paramref name="seconds"/>); returns its index.</summary>
    public async Task<int> WaitForLeaderAsync(int seconds = 60)
    {
        var leader = -1;
        await KernelProcess.Until(async () => (leader = await LeaderAsync()) >= 0, "a leader", Logs, seconds);
        return leader;
    }

    /// <summary>Waits (up to a minute) until every running member names the same leader, in the same term.</summary>
    public async Task WaitForAgreementAsync()
    {
        await KernelProcess.Until(
            async () =>
            {
                var seen = new HashSet<(ulong Leader, ulong Term)>();
                for (var i = 0; i < _channels.Length; i++)
                {
                    if (Members[i] is not { Process.HasExited: false })
                    {
                        continue;
                    }

                    try
                    {
                        var status = await new Maintenance.MaintenanceClient(_channels[i]).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                        seen.Add((status.Leader, status.RaftTerm));
                    }
                    catch (RpcException)
                    {
                        return false;
                    }
                }

                return seen.Count == 1 && seen.First().Leader != 0;
            },
            "every member naming the same leader",
            Logs,
            60);
    }

    /// <summary>Kills the leader with SIGKILL and waits for another member to lead; returns (old leader, new leader).</summary>
    public async Task<(int Old, int New)> KillLeaderAsync()
    {
        var old = await WaitForLeaderAsync();
        Members[old]!.Kill9();
        var leader = -1;
        await KernelProcess.Until(async () => (leader = await LeaderAsync()) >= 0 && leader != old, "a new leader after the kill", Logs, 60);
        return (old, leader);
    }

    /// <summary>SIGTERM to every running member, each expected to exit cleanly.</summary>
    public void StopAll()
    {
        foreach (var member in Members)
        {
            if (member is { Process.HasExited: false })
            {
                member.Stop();
            }
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var member in Members)
        {
            member?.Dispose();
        }

        _folder.Dispose();
    }

    private static string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    /// <summary>Ports free now (all bound at once, so they differ, then released).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
        {
            listener.Start();
        }

        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return ports;
    }
}
