using System.Globalization;

using Kernel.Node.Runtime;
using Kernel.Sdk.Consensus;
using Microsoft.Extensions.Configuration;

namespace Kernel.Node.Hosting;

/// <summary>
/// Several members in one process over real loopback gRPC (what <c>kernel run</c> starts): each a full
/// <see cref="MemberHost"/> with its own data directory, peer listener and client listener.
/// </summary>
internal sealed class EmbeddedCluster : IAsyncDisposable
{
    private EmbeddedCluster(IReadOnlyList<MemberHost> members) => Members = members;

    /// <summary>The members, in the order of their settings.</summary>
    public IReadOnlyList<MemberHost> Members { get; }

    /// <summary>
    /// The settings of <paramref name="count"/> members <c>m1</c>, <c>m2</c>, ... on <paramref name="host"/>, in etcd's
    /// Procfile manner: member i serves gRPC clients on <paramref name="clientPort"/> + 10000·(i−1), peers on that + 1 and
    /// HTTP/1.1 (the JSON gateway, <c>/metrics</c>, <c>/health</c>) on that + 2 (2379/2380/2381, 12379/12380/12381, ... for
    /// the defaults), data under <paramref name="dataRoot"/>/&lt;name&gt;.
    /// </summary>
    public static IReadOnlyList<ClusterOptions> Layout(string dataRoot, int count = 3, string host = "127.0.0.1", int clientPort = 2379, string token = ClusterOptions.DefaultToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var names = Enumerable.Range(1, count).Select(i => "m" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        string Url(int i, int offset) => string.Create(CultureInfo.InvariantCulture, $"http://{host}:{clientPort + (10_000 * i) + offset}");
        var initial = string.Join(",", names.Select((n, i) => n + "=" + Url(i, 1)));
        var clients = string.Join(",", names.Select((n, i) => n + "=" + Url(i, 0)));
        return names.Select((n, i) => new ClusterOptions
        {
            Name = n,
            DataDir = Path.Combine(dataRoot, n),
            PeerUrls = [Url(i, 1)],
            ClientUrls = [Url(i, 0)],
            ClientHttpUrls = [Url(i, 2)],
            InitialCluster = initial,
            InitialClientUrls = clients,
            Token = token,
        }).ToArray();
    }

    /// <summary>Starts every member (all settings validated first, every error at once); stops the started ones if one fails.</summary>
    /// <param name="members">The members' settings (for instance <see cref="Layout"/>'s).</param>
    /// <param name="strategy">The consensus strategy.</param>
    /// <param name="strategyOptions">Its options section.</param>
    /// <param name="application">Makes each member's application.</param>
    /// <param name="services">Logging, clock, pipelines; null: the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ClusterOptionsException">Some member's settings are invalid.</exception>
    public static async Task<EmbeddedCluster> StartAsync(
        IReadOnlyList<ClusterOptions> members,
        IConsensusStrategy strategy,
        IConfiguration strategyOptions,
        Func<MemberInfo, IMemberApplication> application,
        MemberHostServices? services = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        var errors = members.SelectMany(m => m.Validate().Select(e => $"member {m.Name}: {e}")).ToArray();
        if (errors.Length > 0)
        {
            throw new ClusterOptionsException(errors);
        }

        var started = new List<MemberHost>();
        try
        {
            foreach (var options in members)
            {
                started.Add(await MemberHost.StartAsync(options, strategy, strategyOptions, application, services, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var host in started)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new EmbeddedCluster(started);
    }

    /// <summary>Stops every member.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            await member.DisposeAsync().ConfigureAwait(false);
        }
    }
}
