// ClusterBench: one gRPC load generator (etcd's v3 KV API, compiled client-side from the repository's .proto files)
// against three clusters of three members on loopback, started by the harness with fresh data folders and killed at
// its exit: `kernel node` processes of the Release kernel on a consensus strategy (a parameter), etcd 3.4 members with
// default durability, and DotNext.Net.Cluster 6.12's Raft (benchmarks/DotNextKv). Cells alternate between targets
// (target A's cell, target B's cell, ...); every acknowledged put is read back and checked after its cell.
//
// The full run (on a quiet machine; the kernel and DotNextKv are built in Release with the harness):
//
//   dotnet run -c Release --project benchmarks/ClusterBench -- --check-perf --out clusterbench.md
//
// Options:
//   --targets LIST      kernel | kernel=CATEGORY/NAME[@MEMBERS] | etcd | dotnext, comma-separated (default kernel,etcd,dotnext);
//                       several kernel targets may be given (kernel=consensus/raft,kernel=consensus/multi-paxos,...);
//                       a kernel target runs 3 members, consensus/pbft 4 (n = 3f + 1), or @MEMBERS of them
//   --strategy S        the strategy of a plain `kernel` target (default consensus/raft)
//   --workloads LIST    put, range-l (linearizable), range-s (serializable), mix (90 % range-l, 10 % put) (default all)
//   --values LIST       value sizes in bytes (default 64,1024); keys are 256 bytes, as etcdctl check perf's
//   --clients LIST      concurrent closed-loop clients per cell (default 16,64,256)
//   --duration T        measured time per cell (default 10s; 500ms, 2m and plain seconds work too)
//   --warmup T          warm-up per cell, not measured (default 2s)
//   --target-warmup T   load on each target once before its first cell, not measured (default 30s): the kernel's
//                       members JIT-compile about 12,000 methods in their first 20 s under load
//   --pause T           pause between cells (default 1s)
//   --conns N           HTTP/2 channels per target, spread round-robin over its members (default 3)
//   --read-keys N       preloaded keys the ranges read, per value size (default 1000)
//   --no-check          skip reading back every acknowledged put after each put and mix cell (on by default)
//   --check-perf [L]    also run `etcdctl check perf --load=L` against each target, L a list of s,m,l,xl (default m,l)
//   --out FILE          also write the report (Markdown) to FILE
//   --dir PATH          where the temporary data folders go (default: the system temp folder); --keep leaves them
//   --kernel-config F   plugins.json for the kernel members (default: the one beside the Release kernel.dll)
//   --etcd PATH, --etcdctl PATH   (default /usr/bin/etcd, /usr/bin/etcdctl)
//
// A short smoke run: dotnet run -c Release --project benchmarks/ClusterBench -- --duration 3s --warmup 1s --clients 16 --workloads put --values 64
//
// Exit code: 0 when every cell ran and every acknowledged put was read back, 1 when a target lost or changed an
// acknowledged put (or could not be read back) or stopped answering (its later cells are skipped, the others go on), 2 on bad arguments, 3 when a target failed to start or the run failed.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

using ClusterBench;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Settings settings;
try
{
    settings = Settings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"clusterbench: {e.Message}");
    return 2;
}

var repo = FindRepository();
if (repo is null)
{
    Console.Error.WriteLine("clusterbench: cannot find the repository (Kernel.sln) above " + AppContext.BaseDirectory);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C unwinds the run (its finally kills every member); a second one kills them at once.
    e.Cancel = !stop.IsCancellationRequested;
    if (!e.Cancel)
    {
        Children.KillAll();
    }

    stop.Cancel();
};
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s =>
{
    s.Cancel = true;
    stop.Cancel();
});

var root = Path.Combine(settings.Dir ?? Path.GetTempPath(), "clusterbench-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

var targets = new List<Target>();
var loads = new List<Load>();
var results = new List<CellResult>();
var stopped = new Dictionary<int, string>(); // targets that stopped answering, by index, and why
var perf = new List<(string Target, string Load, string[] Lines)>();
try
{
    Say("# ClusterBench");
    Say(string.Empty);
    Say($"Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; repository at {GitHead(repo)}");
    Say(string.Empty);
    Say($"Settings: keys {Settings.KeySize} B; values {string.Join(", ", settings.ValueSizes)} B; clients {string.Join(", ", settings.Clients)}; " +
        $"each target warmed up by {settings.TargetWarmup.TotalSeconds:0.###} s of load after it starts; warm-up {settings.Warmup.TotalSeconds:0.###} s and {settings.Duration.TotalSeconds:0.###} s measured per cell; {settings.Connections} HTTP/2 channels per target " +
        $"over its members; ranges read {settings.ReadKeys} preloaded keys; put check {(settings.Check ? "on (every acknowledged put read back linearizably)" : "off")}; " +
        "errors are failed requests in a cell, warm-up included; all targets run for the whole run, cells alternate between them; data in " + root);
    Say(string.Empty);

    var k = 0;
    foreach (var spec in settings.Targets)
    {
        var t = Target.Create(spec, Path.Combine(root, $"{++k}-{spec.Kind}"), settings, repo);
        targets.Add(t);
        Say($"- {spec.Name}: {t.Describe()}");
    }

    Say(string.Empty);
    foreach (var t in targets)
    {
        t.Start();
    }

    foreach (var t in targets)
    {
        var load = new Load(t, settings);
        loads.Add(load);
        await load.WaitReadyAsync(TimeSpan.FromSeconds(90), stop.Token);
        Console.WriteLine($"{t.Spec.Name} serving on {string.Join(", ", t.ClientUrls)}");
        await load.WarmUpAsync(settings.TargetWarmup, stop.Token);
    }

    var cell = 0;
    var total = settings.Workloads.Count * settings.ValueSizes.Count * settings.Clients.Count * targets.Count;
    foreach (var workload in settings.Workloads)
    {
        foreach (var size in settings.ValueSizes)
        {
            foreach (var clients in settings.Clients)
            {
                for (var i = 0; i < targets.Count; i++)
                {
                    ++cell;
                    if (stopped.TryGetValue(i, out var why))
                    {
                        Console.WriteLine($"[{cell}/{total}] {targets[i].Spec.Name}: skipped, it stopped answering earlier ({why})");
                        continue;
                    }

                    CellResult r;
                    try
                    {
                        r = await loads[i].RunAsync(cell, workload, size, clients, stop.Token);
                    }
                    catch (Exception e) when (e is Grpc.Core.RpcException or InvalidOperationException && !stop.IsCancellationRequested)
                    {
                        // One target that stops answering (in a preload or a read-back) does not end the run for the others.
                        why = e is Grpc.Core.RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : e.Message;
                        stopped[i] = why;
                        Console.WriteLine($"[{cell}/{total}] {targets[i].Spec.Name}: stopped answering: {why}\n{targets[i].Logs()}");
                        continue;
                    }

                    results.Add(r);
                    Console.WriteLine($"[{cell}/{total}] {Row(r)}");
                    if (r.FirstError is not null)
                    {
                        Console.WriteLine($"      first error: {r.FirstError}");
                    }

                    await Task.Delay(settings.Pause, stop.Token);
                }
            }
        }
    }

    foreach (var level in settings.CheckPerfLoads)
    {
        foreach (var t in targets.Where((_, i) => !stopped.ContainsKey(i)))
        {
            var lines = await CheckPerf.RunAsync(settings.Etcdctl, t, level, stop.Token);
            perf.Add((t.Spec.Name, level, lines));
            Console.WriteLine($"check perf --load={level} on {t.Spec.Name}: {string.Join(" | ", lines)}");
            await Task.Delay(settings.Pause, stop.Token);
        }
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("clusterbench: interrupted; stopping every member");
    return 3;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"clusterbench: {e.Message}");
    return 3;
}
catch (Grpc.Core.RpcException e)
{
    Console.Error.WriteLine($"clusterbench: a target stopped answering: {e.StatusCode} {e.Status.Detail}");
    return 3;
}
finally
{
    foreach (var l in loads)
    {
        l.Dispose();
    }

    Children.KillAll();
    if (!settings.Keep)
    {
        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"clusterbench: could not delete {root}: {e.Message}");
        }
    }
}

Say(string.Empty);
Say("| target | workload | value | clients | throughput (ops/s) | p50 (ms) | p99 (ms) | server CPU (µs/op) | fsyncs / commit | peer messages / commit | peer bytes / commit | errors | acknowledged puts |");
Say("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
foreach (var r in results)
{
    Say($"| {r.Target} | {Settings.WorkloadName(r.Workload)} | {r.ValueSize} B | {r.Clients} | {r.Throughput:0} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.CpuMicrosPerOperation:0} | {Figure(r.Counters.FsyncsPerCommit, "0.00")} | {Figure(r.Counters.MessagesPerCommit, "0.00")} | {Figure(r.Counters.BytesPerCommit, "0")} | {r.Errors} | {r.Check} |");
}

foreach (var (i, why) in stopped)
{
    Say(string.Empty);
    Say($"{targets[i].Spec.Name} stopped answering, and its later cells were skipped: {why}");
}

if (perf.Count > 0)
{
    Say(string.Empty);
    Say("| target | etcdctl check perf | result |");
    Say("| --- | --- | --- |");
    foreach (var (t, level, lines) in perf)
    {
        Say($"| {t} | `--load={level}` | {string.Join("<br>", lines)} |");
    }
}

if (settings.Out is { } outFile)
{
    File.WriteAllText(outFile, report.ToString());
    Console.WriteLine($"written to {outFile}");
}

var lost = results.Where(r => r.Lost).ToArray();
foreach (var r in lost)
{
    Console.Error.WriteLine($"clusterbench: {r.Target}, {Settings.WorkloadName(r.Workload)} {r.ValueSize} B {r.Clients} clients: {r.Check}");
}

return lost.Length > 0 || stopped.Count > 0 ? 1 : 0;

static string Figure(double value, string format) => double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

static string Row(CellResult r) =>
    $"{r.Target,-26} {Settings.WorkloadName(r.Workload),-22} {r.ValueSize,5} B {r.Clients,4} clients: {r.Throughput,9:0} ops/s  p50 {r.P50Ms,8:0.00} ms  p99 {r.P99Ms,8:0.00} ms  cpu {r.CpuMicrosPerOperation,6:0} µs/op  fsync/commit {Figure(r.Counters.FsyncsPerCommit, "0.00")}  msg/commit {Figure(r.Counters.MessagesPerCommit, "0.00")}  errors {r.Errors}  {r.Check}";

static string? FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Kernel.sln")))
        {
            return dir.FullName;
        }
    }

    return null;
}

static string CpuModel()
{
    try
    {
        return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "cpu unknown";
    }
    catch (IOException)
    {
        return "cpu unknown";
    }
}

static string GitHead(string repo)
{
    try
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["-C", repo, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var head = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit(5000);
        return head.Length > 0 ? head : "an unknown commit";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "an unknown commit";
    }
}
