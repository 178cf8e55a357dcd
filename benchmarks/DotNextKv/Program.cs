// DotNextKv: one member of a three-process DotNext.Net.Cluster 6.12 Raft cluster serving etcd's KV Put, Range and
// DeleteRange over gRPC, the second peer of benchmarks/ClusterBench (which starts three of these; not meant for use).
//
//   dotnet DotNextKv.dll --index 1 --raft 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 \
//     --grpc http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003 --data-dir /tmp/d1
//
// DotNext's pieces: RaftCluster over its TCP transport (RaftCluster.TcpConfiguration; election timeouts DotNext's
// defaults; the three members fixed in DotNext's in-memory configuration storage, no cold start), the persistent
// WriteAheadLog (StateMachine.WriteAheadLog, default options: memory-mapped pages, a checkpoint on every commit, as 6.12
// always does) and a SimpleStateMachine holding the keys (snapshots off). Durability: a put is acknowledged when DotNext's
// ReplicateAsync has it committed and applied (the WAL's own checkpoint on commit); whether that checkpoint completes
// before the apply, and followers' appends before their reply, is DotNext's business and not measured here.
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

using DotNextKv;

using Microsoft.AspNetCore.Server.Kestrel.Core;

int index = 0;
IPEndPoint[] raft = [];
string[] grpc = [];
string? dataDir = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--index": index = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--raft": raft = args[i + 1].Split(',').Select(IPEndPoint.Parse).ToArray(); break;
        case "--grpc": grpc = args[i + 1].Split(','); break;
        case "--data-dir": dataDir = args[i + 1]; break;
        default:
            Console.Error.WriteLine($"DotNextKv: unknown option {args[i]}");
            return 2;
    }
}

if (index < 1 || index > raft.Length || raft.Length != grpc.Length || dataDir is null)
{
    Console.Error.WriteLine("DotNextKv: needs --index I (1-based), --raft HOST:PORT,... and --grpc URL,... of equal length, --data-dir PATH");
    return 2;
}

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var store = new KvStore(new DirectoryInfo(Path.Combine(dataDir, "snapshots")));
await store.RestoreAsync();
// 6.12's WAL checkpoints on every commit (its FlushInterval option is obsolete and has no effect). Calling its FlushAsync
// from a loop of our own beside that crashed the process (AsyncAutoResetEventSlim: one waiter only), so it is not done.
var wal = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(dataDir, "wal") }, store);

var me = raft[index - 1];
var configuration = new RaftCluster.TcpConfiguration(me)
{
    ColdStart = false,
    LoggerFactory = loggers,
    ConfigurationStorage = null, // DotNext's in-memory storage, filled with the three members below
};
var members = ((InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage!).CreateInitialConfigurationBuilder();
foreach (var endpoint in raft)
{
    members.Add(endpoint);
}

members.Build();
var cluster = new RaftCluster(configuration) { AuditTrail = wal };
await cluster.StartAsync(CancellationToken.None);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
var port = new Uri(grpc[index - 1]).Port;
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
builder.Services.AddSingleton(new Member(cluster, store, raft, grpc, index));
var app = builder.Build();
app.MapGrpcService<KvService>();

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s => { s.Cancel = true; stop.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, s => { s.Cancel = true; stop.Cancel(); });
await app.StartAsync(CancellationToken.None);
Console.WriteLine($"DotNextKv member {index}: Raft on {me}, etcd KV gRPC on {grpc[index - 1]}, data in {dataDir}");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

await app.StopAsync(CancellationToken.None);
await cluster.StopAsync(CancellationToken.None);
await wal.DisposeAsync();
await store.DisposeAsync();
return 0;
