using System.Globalization;

using Kernel.Node.Runtime;

namespace Kernel.Node.Hosting;

/// <summary>
/// One member's settings, named after etcd's flags: <c>--name</c>, <c>--data-dir</c>, <c>--listen-peer-urls</c>,
/// <c>--listen-client-urls</c>, <c>--initial-cluster</c>, <c>--initial-cluster-token</c>, plus the runtime's tick,
/// snapshot policy and backpressure bound, and the TLS files.
/// </summary>
internal sealed record ClusterOptions
{
    /// <summary>The default token: <c>kernel-cluster</c> (etcd's default is <c>etcd-cluster</c>).</summary>
    public const string DefaultToken = "kernel-cluster";

    /// <summary>The member's name (<c>--name</c>): letters, digits, <c>-</c>, <c>_</c>, <c>.</c>; one of the initial cluster's.</summary>
    public required string Name { get; init; }

    /// <summary>Where the member keeps its WAL and snapshot (<c>--data-dir</c>); default <c>./data/&lt;name&gt;</c>.</summary>
    public string? DataDir { get; init; }

    /// <summary>Where the member listens for peers and where they reach it (<c>--listen-peer-urls</c>): <c>http://</c> or <c>https://</c> host:port.</summary>
    public required IReadOnlyList<string> PeerUrls { get; init; }

    /// <summary>
    /// Where the member serves clients (<c>--listen-client-urls</c>): gRPC's HTTP/2 (without TLS by prior knowledge, as
    /// gRPC clients speak it; with TLS HTTP/1.1 as well, chosen by ALPN).
    /// </summary>
    public required IReadOnlyList<string> ClientUrls { get; init; }

    /// <summary>
    /// Where the member also serves clients over HTTP/1.1 (<c>--listen-client-http-urls</c>, as etcd 3.5 has it): the JSON
    /// gateway for <c>curl</c>, since a listener without TLS cannot tell HTTP/1.1 from HTTP/2 by itself. Default none.
    /// </summary>
    public IReadOnlyList<string> ClientHttpUrls { get; init; } = [];

    /// <summary>
    /// Where the member serves only <c>/metrics</c> (Prometheus text), <c>/health</c> and <c>/readyz</c> over HTTP/1.1
    /// (<c>--listen-metrics-urls</c>, as etcd has it). Default none: they are on the client URLs as well.
    /// </summary>
    public IReadOnlyList<string> MetricsUrls { get; init; } = [];

    /// <summary>Every member's name and peer URL (<c>--initial-cluster</c>): <c>name=url,name=url,...</c>, this member included.</summary>
    public required string InitialCluster { get; init; }

    /// <summary>
    /// Every member's client URLs, for the member list (<c>name=url,...</c>; a name may repeat): optional; a member not
    /// named shows none but its own.
    /// </summary>
    public string? InitialClientUrls { get; init; }

    /// <summary>The cluster token (<c>--initial-cluster-token</c>): the key of the peers' HMAC challenge and part of every id; default <see cref="DefaultToken"/>.</summary>
    public string Token { get; init; } = DefaultToken;

    /// <summary>The wall time of one consensus tick; 1 ms to 10 s, default 100 ms.</summary>
    public TimeSpan TickLength { get; init; } = NodeRuntimeOptions.DefaultTickLength;

    /// <summary>Applied entries between two state-machine snapshots (etcd's <c>--snapshot-count</c>); 0 never; default 100,000, as etcd's.</summary>
    public long SnapshotEvery { get; init; } = NodeRuntimeOptions.DefaultSnapshotEvery;

    /// <summary>Proposals and linearizable reads a member holds at once before it answers "too many requests"; 1 to 1,000,000, default 10,000.</summary>
    public int MaxInflightProposals { get; init; } = 10_000;

    /// <summary>How long a request the member took may wait for its answer (a proposal forwarded to the leader, a replica's command) before it fails as "request timed out"; 100 ms to 10 min, default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>PEM certificate of the peer listener (and of this member as a TLS client of its peers); needed for https peer URLs.</summary>
    public string? PeerCertFile { get; init; }

    /// <summary>PEM private key of <see cref="PeerCertFile"/>.</summary>
    public string? PeerKeyFile { get; init; }

    /// <summary>PEM certificates a peer's certificate must chain to (<c>--peer-trusted-ca-file</c>); null: the system's trust store.</summary>
    public string? PeerTrustedCaFile { get; init; }

    /// <summary>PEM certificate of the client listener; needed for https client URLs.</summary>
    public string? ClientCertFile { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertFile"/>.</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>The data directory in force.</summary>
    public string DataDirectory => DataDir ?? Path.Combine("data", Name);

    /// <summary>The runtime's settings.</summary>
    public NodeRuntimeOptions Runtime => new() { TickLength = TickLength, SnapshotEvery = SnapshotEvery, MaxInflightProposals = MaxInflightProposals, ForwardTimeout = RequestTimeout };

    /// <summary>Every problem with these settings at once, each naming the option and what is allowed (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(Name) || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add($"--name: '{Name}' is not a member name (letters, digits, '-', '_', '.').");
        }

        CheckUrls("--listen-peer-urls", PeerUrls, errors);
        CheckUrls("--listen-client-urls", ClientUrls, errors);
        if (ClientHttpUrls is { Count: > 0 })
        {
            CheckUrls("--listen-client-http-urls", ClientHttpUrls, errors);
        }

        if (MetricsUrls is { Count: > 0 })
        {
            CheckUrls("--listen-metrics-urls", MetricsUrls, errors);
        }

        if (string.IsNullOrEmpty(Token))
        {
            errors.Add("--initial-cluster-token: empty; a token is required (it authenticates peers).");
        }

        var members = ParseMembers("--initial-cluster", InitialCluster, errors);
        if (members.Count > 0)
        {
            var self = members.Where(m => m.Name == Name).ToArray();
            if (self.Length == 0)
            {
                errors.Add($"--initial-cluster: does not name this member '{Name}' (it names {string.Join(", ", members.Select(m => m.Name).Distinct())}).");
            }
            else if (PeerUrls.Count > 0 && !self.Select(m => m.Url).Intersect(PeerUrls, StringComparer.OrdinalIgnoreCase).Any())
            {
                errors.Add($"--initial-cluster: gives '{Name}' the peer URL {self[0].Url}, which is not one of --listen-peer-urls ({string.Join(", ", PeerUrls)}).");
            }

            foreach (var (member, urls) in members.GroupBy(m => m.Url, StringComparer.OrdinalIgnoreCase).Where(g => g.Select(m => m.Name).Distinct().Count() > 1).Select(g => (g.Key, g.Count())))
            {
                errors.Add($"--initial-cluster: the peer URL {member} is given to {urls} members.");
            }
        }

        if (InitialClientUrls is not null)
        {
            _ = ParseMembers("--initial-client-urls", InitialClientUrls, errors);
        }

        errors.AddRange(Runtime.Validate().Select(e => "--" + e));
        CheckTls("--peer-cert-file", "--peer-key-file", PeerCertFile, PeerKeyFile, PeerUrls, errors);
        CheckTls("--cert-file", "--key-file", ClientCertFile, ClientKeyFile, [.. ClientUrls, .. ClientHttpUrls ?? [], .. MetricsUrls ?? []], errors);
        if (PeerTrustedCaFile is not null && !File.Exists(PeerTrustedCaFile))
        {
            errors.Add($"--peer-trusted-ca-file: '{PeerTrustedCaFile}' does not exist.");
        }

        return errors;
    }

    /// <summary>Every member of the initial cluster with its id (the options must be valid).</summary>
    public IReadOnlyList<MemberInfo> Members()
    {
        var clientUrls = InitialClientUrls is null ? [] : ParseMembers("--initial-client-urls", InitialClientUrls, []);
        return ParseMembers("--initial-cluster", InitialCluster, [])
            .GroupBy(m => m.Name, StringComparer.Ordinal)
            .Select(g =>
            {
                var peers = g.Select(m => m.Url).ToArray();
                var clients = clientUrls.Where(c => c.Name == g.Key).Select(c => c.Url).ToList();
                if (g.Key == Name && clients.Count == 0)
                {
                    clients.AddRange(ClientUrls);
                }

                return new MemberInfo(MemberIdentity.MemberId(g.Key, peers), g.Key, peers, clients, IsLearner: false);
            })
            .ToArray();
    }

    /// <summary>The cluster's id (the options must be valid).</summary>
    public ulong ClusterId() => MemberIdentity.ClusterId(Members().Select(m => m.Id), Token);

    private static List<(string Name, string Url)> ParseMembers(string option, string? text, List<string> errors)
    {
        var members = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{option}: empty; expected name=url,name=url,...");
            return members;
        }

        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == part.Length - 1)
            {
                errors.Add($"{option}: '{part}' is not name=url.");
                continue;
            }

            var url = part[(eq + 1)..];
            if (UrlProblem(url) is { } problem)
            {
                errors.Add($"{option}: '{part}': {problem}");
                continue;
            }

            members.Add((part[..eq], url));
        }

        return members;
    }

    private static void CheckUrls(string option, IReadOnlyList<string>? urls, List<string> errors)
    {
        if (urls is null || urls.Count == 0)
        {
            errors.Add($"{option}: none given; expected http://host:port or https://host:port.");
            return;
        }

        foreach (var url in urls)
        {
            if (UrlProblem(url) is { } problem)
            {
                errors.Add($"{option}: '{url}': {problem}");
            }
        }
    }

    /// <summary>What is wrong with a listen URL, or null.</summary>
    internal static string? UrlProblem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "not an http:// or https:// URL.";
        }

        if (uri.IsDefaultPort && !url.Contains(":" + uri.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            return "no port (expected host:port).";
        }

        return uri.AbsolutePath is "/" or "" ? null : "a listen URL has no path.";
    }

    private static void CheckTls(string certOption, string keyOption, string? cert, string? key, IReadOnlyList<string>? urls, List<string> errors)
    {
        var https = urls?.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) == true;
        if (https && (cert is null || key is null))
        {
            errors.Add($"{certOption} and {keyOption}: required for https URLs.");
        }

        foreach (var (option, file) in new[] { (certOption, cert), (keyOption, key) })
        {
            if (file is not null && !File.Exists(file))
            {
                errors.Add($"{option}: '{file}' does not exist.");
            }
        }
    }
}
