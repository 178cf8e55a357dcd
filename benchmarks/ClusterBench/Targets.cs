using System.Globalization;

namespace ClusterBench;

/// <summary>
/// A cluster on loopback (three members; a kernel target may ask for another count, as PBFT's four), started by the harness with fresh data folders under <see cref="Root"/>: the
/// kernel's <c>kernel node</c> processes, etcd members, or the DotNext peer's processes.
/// </summary>
internal abstract class Target
{
    protected Target(TargetSpec spec, string root)
    {
        Spec = spec;
        Members = spec.Members;
        Root = root;
        Directory.CreateDirectory(root);
    }

    public TargetSpec Spec { get; }

    /// <summary>How many members the target runs.</summary>
    public int Members { get; }

    public string Root { get; }

    /// <summary>The members' client URLs (<c>http://127.0.0.1:PORT</c>), member 1 first.</summary>
    public string[] ClientUrls { get; protected set; } = [];

    /// <summary>The members' processes once started.</summary>
    public Child[] Processes { get; protected set; } = [];

    /// <summary>Where each member serves Prometheus text at <c>/metrics</c> (empty when the target has none).</summary>
    public string[] MetricsUrls { get; protected set; } = [];

    /// <summary>The metric names of the target's WAL fsync count, peer messages sent, peer bytes sent and commit index
    /// (null where the target has no such metric).</summary>
    public virtual (string? Fsyncs, string? Messages, string? Bytes, string? Committed) MetricNames => (null, null, null, null);

    /// <summary>How the target was started (for the report's settings).</summary>
    public abstract string Describe();

    public abstract void Start();

    /// <summary>The end of each member's log, for an error message.</summary>
    public string Logs(int lines = 25) => string.Join("\n", Processes.Select((p, i) => $"--- {Spec.Name} member {i + 1} ({p.Log}):\n{p.Tail(lines)}"));

    protected static string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    public static Target Create(TargetSpec spec, string root, Settings settings, string repo) => spec.Kind switch
    {
        "kernel" => new KernelTarget(spec, root, settings, repo),
        "etcd" => new EtcdTarget(spec, root, settings),
        _ => new DotNextTarget(spec, root, repo),
    };
}

/// <summary><c>kernel node</c> processes of the Release kernel (its deployed plugins and plugins.json, or --kernel-config).</summary>
internal sealed class KernelTarget(TargetSpec spec, string root, Settings settings, string repo) : Target(spec, root)
{
    public override (string? Fsyncs, string? Messages, string? Bytes, string? Committed) MetricNames =>
        ("kernel_node_wal_fsync_duration_seconds_count", "kernel_node_peer_messages_sent_total", "kernel_node_peer_sent_bytes_total", "kernel_node_proposals_committed_total");

    private readonly string _kernel = Path.Combine(repo, "kernel", "bin", "Release", "net10.0", "kernel.dll");

    public override string Describe() =>
        $"`dotnet kernel.dll node` ×{Members} (Release, {Spec.Strategy}, configuration {settings.KernelConfig ?? "plugins.json beside kernel.dll"}; fsync before every acknowledgement)";

    public override void Start()
    {
        if (!File.Exists(_kernel))
        {
            throw new InvalidOperationException($"no Release kernel at {_kernel}; build it: dotnet build -c Release kernel");
        }

        var ports = Children.FreePorts(3 * Members);
        var names = Enumerable.Range(1, Members).Select(i => $"m{i}").ToArray();
        var initial = string.Join(",", names.Select((n, i) => $"{n}={Url(ports[2 * i])}"));
        ClientUrls = names.Select((_, i) => Url(ports[(2 * i) + 1])).ToArray();
        MetricsUrls = names.Select((_, i) => Url(ports[(2 * Members) + i])).ToArray();
        Processes = names.Select((n, i) =>
        {
            List<string> args =
            [
                _kernel, "node", "--name", n, "--data-dir", Path.Combine(Root, n), "--listen-peer-urls", Url(ports[2 * i]),
                "--listen-client-urls", ClientUrls[i], "--initial-cluster", initial, "--initial-cluster-token", "clusterbench",
                "--strategy", Spec.Strategy!, "--listen-metrics-urls", MetricsUrls[i],
            ];
            if (settings.KernelConfig is { } config)
            {
                args.AddRange(["--config", config]);
            }

            // Working in the temporary folder: no ./plugins.json there, so the kernel reads the one beside kernel.dll.
            return Children.Start("dotnet", args, Root, Path.Combine(Root, n + ".log"));
        }).ToArray();
    }
}

/// <summary>Three etcd members (Debian's etcd-server, 3.4) with etcd's default durability (fsync of the WAL before every commit).</summary>
internal sealed class EtcdTarget(TargetSpec spec, string root, Settings settings) : Target(spec, root)
{
    public override (string? Fsyncs, string? Messages, string? Bytes, string? Committed) MetricNames =>
        ("etcd_disk_wal_fsync_duration_seconds_count", null, "etcd_network_peer_sent_bytes_total", "etcd_server_proposals_committed_total");

    public override string Describe() => $"`{settings.Etcd}` ×3 ({Version(settings.Etcd)}; default flags apart from names, URLs and the cluster token)";

    public override void Start()
    {
        if (!File.Exists(settings.Etcd))
        {
            throw new InvalidOperationException($"no etcd at {settings.Etcd} (apt-get install etcd-server, or --etcd PATH)");
        }

        var ports = Children.FreePorts(2 * Members);
        var names = Enumerable.Range(1, Members).Select(i => $"e{i}").ToArray();
        var initial = string.Join(",", names.Select((n, i) => $"{n}={Url(ports[2 * i])}"));
        ClientUrls = names.Select((_, i) => Url(ports[(2 * i) + 1])).ToArray();
        MetricsUrls = ClientUrls; // etcd serves /metrics on its client URLs
        Processes = names.Select((n, i) => Children.Start(settings.Etcd,
        [
            "--name", n, "--data-dir", Path.Combine(Root, n),
            "--listen-peer-urls", Url(ports[2 * i]), "--initial-advertise-peer-urls", Url(ports[2 * i]),
            "--listen-client-urls", ClientUrls[i], "--advertise-client-urls", ClientUrls[i],
            "--initial-cluster", initial, "--initial-cluster-token", "clusterbench", "--initial-cluster-state", "new",
            "--logger", "zap", "--log-level", "warn",
        ], Root, Path.Combine(Root, n + ".log"))).ToArray();
    }

    /// <summary>The first line of <c>etcd --version</c>.</summary>
    public static string Version(string etcd)
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(etcd, "--version") { RedirectStandardOutput = true })!;
            var first = p.StandardOutput.ReadLine() ?? "?";
            p.WaitForExit(5000);
            return first.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "version unknown";
        }
    }
}

/// <summary>Three processes of benchmarks/DotNextKv (DotNext.Net.Cluster 6.12 Raft over TCP with its WriteAheadLog).</summary>
internal sealed class DotNextTarget(TargetSpec spec, string root, string repo) : Target(spec, root)
{
    private readonly string _server = Path.Combine(repo, "benchmarks", "DotNextKv", "bin", "Release", "net10.0", "DotNextKv.dll");

    public override string Describe() =>
        "`dotnet DotNextKv.dll` ×3 (DotNext.Net.Cluster 6.12.0 RaftCluster, TCP transport, WriteAheadLog with its defaults " +
        "(a checkpoint on every commit); a put is acknowledged once ReplicateAsync has it committed and applied; " +
        "followers acknowledge appends before they flush, as DotNext does)";

    public override void Start()
    {
        if (!File.Exists(_server))
        {
            throw new InvalidOperationException($"no DotNextKv build at {_server}; build it: dotnet build -c Release benchmarks/DotNextKv");
        }

        var ports = Children.FreePorts(2 * Members);
        var raft = string.Join(",", Enumerable.Range(0, Members).Select(i => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{ports[2 * i]}")));
        ClientUrls = Enumerable.Range(0, Members).Select(i => Url(ports[(2 * i) + 1])).ToArray();
        var grpc = string.Join(",", ClientUrls);
        Processes = Enumerable.Range(0, Members).Select(i => Children.Start("dotnet",
        [
            _server, "--index", (i + 1).ToString(CultureInfo.InvariantCulture), "--raft", raft, "--grpc", grpc,
            "--data-dir", Path.Combine(Root, $"d{i + 1}"),
        ], Root, Path.Combine(Root, $"d{i + 1}.log"))).ToArray();
    }
}
