using System.Globalization;

namespace ClusterBench;

/// <summary>What one cell of the run does.</summary>
internal enum Workload
{
    /// <summary>Puts of keys never written before (each one checked afterwards).</summary>
    Put,

    /// <summary>Linearizable single-key ranges of preloaded keys.</summary>
    RangeLinearizable,

    /// <summary>Serializable single-key ranges of preloaded keys (served by the member asked).</summary>
    RangeSerializable,

    /// <summary>90 % linearizable ranges of preloaded keys, 10 % puts of new keys.</summary>
    Mix,
}

/// <summary>A cluster to measure: the kernel on a strategy, etcd, or the DotNext peer.</summary>
internal sealed record TargetSpec(string Kind, string? Strategy, int Members = 3)
{
    public string Name => (Kind == "kernel" ? $"kernel {Strategy}" : Kind == "etcd" ? "etcd 3.4" : "DotNext 6.12 Raft") + (Members == 3 ? string.Empty : $" ×{Members}");
}

/// <summary>The run's settings, from the command line (see the header of Program.cs).</summary>
internal sealed record Settings
{
    public const int KeySize = 256;

    public IReadOnlyList<TargetSpec> Targets { get; init; } = [];

    public IReadOnlyList<Workload> Workloads { get; init; } = [Workload.Put, Workload.RangeLinearizable, Workload.RangeSerializable, Workload.Mix];

    public IReadOnlyList<int> ValueSizes { get; init; } = [64, 1024];

    public IReadOnlyList<int> Clients { get; init; } = [16, 64, 256];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Load run once on each target after it starts and before its first cell (puts, then the mix, then
    /// serializable ranges), so that a JIT-compiled target is measured compiled, as it runs in production.</summary>
    public TimeSpan TargetWarmup { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Pause { get; init; } = TimeSpan.FromSeconds(1);

    public int Connections { get; init; } = 3;

    public int ReadKeys { get; init; } = 1000;

    public bool Check { get; init; } = true;

    public IReadOnlyList<string> CheckPerfLoads { get; init; } = [];

    public string? Out { get; init; }

    public string? Dir { get; init; }

    public bool Keep { get; init; }

    public string? KernelConfig { get; init; }

    public string Etcd { get; init; } = "/usr/bin/etcd";

    public string Etcdctl { get; init; } = "/usr/bin/etcdctl";

    public static string WorkloadName(Workload w) => w switch
    {
        Workload.Put => "put",
        Workload.RangeLinearizable => "range (linearizable)",
        Workload.RangeSerializable => "range (serializable)",
        _ => "mix 90/10 (linearizable ranges / puts)",
    };

    /// <summary>Parses the command line; an <see cref="ArgumentException"/> names the option, the value and what is allowed.</summary>
    public static Settings Parse(string[] args)
    {
        var s = new Settings();
        var strategy = "consensus/raft";
        string? targets = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"{name} needs a value");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--targets": targets = Value(); break;
                case "--strategy": strategy = Value(); break;
                case "--workloads": s = s with { Workloads = List(name, Value(), ParseWorkload) }; break;
                case "--values": s = s with { ValueSizes = List(name, Value(), v => Positive(name, v)) }; break;
                case "--clients": s = s with { Clients = List(name, Value(), v => Positive(name, v)) }; break;
                case "--duration": s = s with { Duration = Time(name, Value()) }; break;
                case "--warmup": s = s with { Warmup = Time(name, Value(), allowZero: true) }; break;
                case "--target-warmup": s = s with { TargetWarmup = Time(name, Value(), allowZero: true) }; break;
                case "--pause": s = s with { Pause = Time(name, Value(), allowZero: true) }; break;
                case "--conns": s = s with { Connections = Positive(name, Value()) }; break;
                case "--read-keys": s = s with { ReadKeys = Positive(name, Value()) }; break;
                case "--no-check": s = s with { Check = false }; break;
                case "--check": s = s with { Check = true }; break;
                case "--check-perf":
                    var loads = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "m,l";
                    s = s with { CheckPerfLoads = List(name, loads, l => l is "s" or "m" or "l" or "xl" ? l : throw new ArgumentException($"{name}: '{l}' is not a load; allowed: s, m, l, xl")) };
                    break;
                case "--out": s = s with { Out = Value() }; break;
                case "--dir": s = s with { Dir = Value() }; break;
                case "--keep": s = s with { Keep = true }; break;
                case "--kernel-config": s = s with { KernelConfig = Path.GetFullPath(Value()) }; break;
                case "--etcd": s = s with { Etcd = Value() }; break;
                case "--etcdctl": s = s with { Etcdctl = Value() }; break;
                default: throw new ArgumentException($"unknown option '{name}'; see the header of benchmarks/ClusterBench/Program.cs");
            }
        }

        if (!IsStrategy(strategy))
        {
            throw new ArgumentException($"--strategy is '{strategy}'; expected CATEGORY/NAME, e.g. consensus/raft (a strategy the kernel's plugins register that `kernel node` serves)");
        }

        s = s with { Targets = List("--targets", targets ?? "kernel,etcd,dotnext", t => ParseTarget(t, strategy)) };
        if (s.KernelConfig is { } config && !File.Exists(config))
        {
            throw new ArgumentException($"--kernel-config: no file {config}");
        }

        return s;
    }

    private static TargetSpec ParseTarget(string text, string strategy)
    {
        var parts = text.Split('=', 2);
        return parts[0] switch
        {
            "kernel" when parts.Length == 1 => Kernel(strategy, null, text),
            "kernel" when parts[1].Split('@', 2) is [var name, .. var members] && IsStrategy(name) => Kernel(name, members.FirstOrDefault(), text),
            "etcd" or "dotnext" when parts.Length == 1 => new TargetSpec(parts[0], null),
            _ => throw new ArgumentException($"--targets: '{text}' is not a target; allowed: kernel, kernel=CATEGORY/NAME[@MEMBERS] (e.g. kernel=consensus/raft, kernel=consensus/pbft@4), etcd, dotnext"),
        };
    }

    /// <summary>A kernel target: three members, or four for PBFT (n = 3f + 1 with f = 1), unless <c>@N</c> says how many.</summary>
    private static TargetSpec Kernel(string strategy, string? members, string text)
    {
        if (members is null)
        {
            return new TargetSpec("kernel", strategy, strategy == "consensus/pbft" ? 4 : 3);
        }

        return int.TryParse(members, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 7
            ? new TargetSpec("kernel", strategy, n)
            : throw new ArgumentException($"--targets: '{text}': the member count after @ must be 1..7");
    }

    private static bool IsStrategy(string text) => text.Split('/') is [{ Length: > 0 }, { Length: > 0 }];

    private static Workload ParseWorkload(string text) => text switch
    {
        "put" => Workload.Put,
        "range-l" or "range" => Workload.RangeLinearizable,
        "range-s" => Workload.RangeSerializable,
        "mix" => Workload.Mix,
        _ => throw new ArgumentException($"--workloads: '{text}' is not a workload; allowed: put, range-l, range-s, mix"),
    };

    private static IReadOnlyList<T> List<T>(string name, string text, Func<string, T> parse)
    {
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).Distinct().ToArray();
        return items.Length > 0 ? items : throw new ArgumentException($"{name} is empty");
    }

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{name}: '{text}' is not a positive integer");

    /// <summary>"10s", "500ms", "2m" or plain seconds.</summary>
    private static TimeSpan Time(string name, string text, bool allowZero = false)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && (v > 0 || (allowZero && v == 0)) && v * unit < 86_400)
        {
            return TimeSpan.FromSeconds(v * unit);
        }

        throw new ArgumentException($"{name}: '{text}' is not a duration (e.g. 10s, 500ms, 2m{(allowZero ? ", 0" : string.Empty)})");
    }
}
