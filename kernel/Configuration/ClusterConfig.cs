using System.Globalization;

namespace Kernel.Host.Configuration;

/// <summary>
/// The <c>cluster</c> section of <c>plugins.json</c>: what <c>kernel run</c> serves.
/// <code>
/// "cluster": { "strategy": "consensus/raft", "dataDir": "data", "clientPort": 2379, "members": 3, "token": "kernel-cluster", "tickMilliseconds": 10, "snapshotCount": 100000, "requestTimeoutMilliseconds": 5000 }
/// </code>
/// Every setting is optional. Without the section, <c>run</c> serves <c>consensus/raft</c> when a plugin registers it and
/// otherwise runs the kernel alone; a strategy named here must be registered.
/// </summary>
/// <param name="Strategy">The strategy the members run, as <c>consensus/NAME</c> (one replicated log) or <c>replication/NAME</c> (replicas per key).</param>
/// <param name="Named">True when the configuration names the strategy (then its absence is an error).</param>
/// <param name="DataDir">Where each member keeps its data (<c>DataDir/m1</c>, ...), relative to the working directory.</param>
/// <param name="ClientPort">The first member's client port; member i serves gRPC on it + 10000·(i−1), peers on that + 1, HTTP/1.1 (gateway, /metrics, /health) on that + 2.</param>
/// <param name="Members">How many members run in this process.</param>
/// <param name="Token">The cluster token of the peers' challenge (null: the default).</param>
/// <param name="TickMilliseconds">The tick length of the members' consensus nodes (null: the runtime's default).</param>
/// <param name="SnapshotCount">Applied entries between two snapshots of a member's store, as etcd's <c>--snapshot-count</c> (null: the runtime's default, 100,000; 0: never).</param>
/// <param name="RequestTimeoutMilliseconds">How long a member waits for a request it took to be answered (a forwarded proposal, a replica's command) before it fails it as timed out (null: the runtime's default, 5 s).</param>
internal sealed record ClusterConfig(string Strategy, bool Named, string DataDir, int ClientPort, int Members, string? Token, int? TickMilliseconds, long? SnapshotCount = null,
    int? RequestTimeoutMilliseconds = null)
{
    /// <summary>The section's key.</summary>
    public const string Key = "cluster";

    /// <summary>The most members one process runs (their ports are 10,000 apart).</summary>
    public const int MaxMembers = 5;

    /// <summary>The largest <c>snapshotCount</c> accepted.</summary>
    public const long MaxSnapshotCount = 1_000_000_000;

    private static readonly string[] Settings = ["strategy", "dataDir", "clientPort", "members", "token", "tickMilliseconds", "snapshotCount", "requestTimeoutMilliseconds"];

    /// <summary>The settings when the section is absent.</summary>
    public static ClusterConfig Default { get; } = new("consensus/raft", false, "data", 2379, 3, null, null);

    /// <summary>Checks the section's shape and values, every problem with its origin.</summary>
    public static void CheckShape(ConfigNode section, List<string> errors) => Read(section, errors);

    /// <summary>Reads the section (absent: <see cref="Default"/>); problems go to <paramref name="errors"/>.</summary>
    public static ClusterConfig Read(ConfigNode? section, List<string> errors)
    {
        if (section is null || section.Kind == ConfigKind.Null)
        {
            return Default;
        }

        if (section.Kind != ConfigKind.Object)
        {
            errors.Add($"{section.Origin}: cluster is {section.Describe()}; expected an object {{ {string.Join(", ", Settings.Select(s => "\"" + s + "\": ..."))} }}.");
            return Default;
        }

        var result = Default;
        foreach (var child in section.Children)
        {
            if (child.Kind == ConfigKind.Null)
            {
                continue;
            }

            switch (Settings.FirstOrDefault(s => string.Equals(s, child.Key, StringComparison.OrdinalIgnoreCase)))
            {
                case "strategy":
                    if (child.Kind is ConfigKind.String or ConfigKind.Text && child.Value is { } name && IsServable(name))
                    {
                        result = result with { Strategy = name, Named = true };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.strategy is {child.Describe()}; expected a consensus strategy as \"consensus/NAME\" (for example \"consensus/raft\") or a replication strategy as \"replication/NAME\" (for example \"replication/sync-quorum\").");
                    }

                    break;
                case "dataDir":
                    if (child.Kind is ConfigKind.String or ConfigKind.Text && !string.IsNullOrWhiteSpace(child.Value))
                    {
                        result = result with { DataDir = child.Value! };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.dataDir is {child.Describe()}; expected a folder path.");
                    }

                    break;
                case "clientPort":
                    if (Int(child) is { } port && port is >= 1 and <= 65535 - 40_002)
                    {
                        result = result with { ClientPort = port };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.clientPort is {child.Describe()}; expected a port from 1 to {65535 - 40_002} (members use it + 10000·i, that + 1 and that + 2).");
                    }

                    break;
                case "members":
                    if (Int(child) is { } members && members is >= 1 and <= MaxMembers)
                    {
                        result = result with { Members = members };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.members is {child.Describe()}; expected 1 to {MaxMembers}.");
                    }

                    break;
                case "token":
                    if (child.Kind is ConfigKind.String or ConfigKind.Text && !string.IsNullOrEmpty(child.Value))
                    {
                        result = result with { Token = child.Value };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.token is {child.Describe()}; expected a non-empty string.");
                    }

                    break;
                case "tickMilliseconds":
                    if (Int(child) is { } tick && tick is >= 1 and <= 10_000)
                    {
                        result = result with { TickMilliseconds = tick };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.tickMilliseconds is {child.Describe()}; expected 1 to 10000.");
                    }

                    break;
                case "requestTimeoutMilliseconds":
                    if (Int(child) is { } timeout && timeout is >= 100 and <= 600_000)
                    {
                        result = result with { RequestTimeoutMilliseconds = timeout };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.requestTimeoutMilliseconds is {child.Describe()}; expected 100 to 600000.");
                    }

                    break;
                case "snapshotCount":
                    if (Long(child) is { } count && count is >= 0 and <= MaxSnapshotCount)
                    {
                        result = result with { SnapshotCount = count };
                    }
                    else
                    {
                        errors.Add($"{child.Origin}: cluster.snapshotCount is {child.Describe()}; expected 0 (never) to {MaxSnapshotCount} applied entries between snapshots.");
                    }

                    break;
                default:
                    errors.Add($"{child.Origin}: cluster: unknown setting '{child.Key}'; allowed: {string.Join(", ", Settings)}.");
                    break;
            }
        }

        return result;
    }

    /// <summary>The categories a cluster serves: a consensus strategy (one log) or a replication strategy (replicas per key).</summary>
    public static IReadOnlyList<string> ServedCategories { get; } = ["consensus", "replication"];

    /// <summary>True when <paramref name="name"/> is <c>consensus/NAME</c> or <c>replication/NAME</c> with a valid NAME.</summary>
    public static bool IsServable(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && ServedCategories.Contains(name[..slash], StringComparer.Ordinal) && Kernel.Sdk.Strategies.StrategyNames.IsValid(name[(slash + 1)..]);
    }

    /// <summary>True when the strategy is a replication strategy (<c>replication/NAME</c>).</summary>
    public bool IsReplication => Strategy.StartsWith("replication/", StringComparison.Ordinal);

    private static long? Long(ConfigNode node) =>
        node.Kind is ConfigKind.Number or ConfigKind.Text && long.TryParse(node.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static int? Int(ConfigNode node) =>
        node.Kind is ConfigKind.Number or ConfigKind.Text && int.TryParse(node.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
