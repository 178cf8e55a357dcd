using System.Net;

using Kernel.Node.Hosting;
using Kernel.Node.Transport;
using Polly;
using Polly.Registry;
using Polly.Timeout;

namespace Kernel.Node.Tests.Hosting;

public sealed class MemberHostTests
{
    [Fact]
    public async Task Health_is_served_on_the_client_listener_and_says_when_no_leader_is_known()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        using var http = new HttpClient();
        var url = leader.Options.ClientHttpUrls[0];
        using (var health = await http.GetAsync(url + "/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var ready = await http.GetAsync(url + "/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var lone = cluster.IndexOf(leader);
        foreach (var i in Enumerable.Range(0, 3).Where(i => i != lone))
        {
            await cluster.StopMemberAsync(i);
        }

        await TestCluster.Eventually(
            async () =>
            {
                using var health = await http.GetAsync(url + "/health");
                return health.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            "the lone member reports no leader");
    }

    [Fact]
    public async Task Metrics_are_served_in_Prometheus_text_on_the_client_and_metrics_listeners()
    {
        await using var cluster = await TestCluster.StartAsync();
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 5; i++)
        {
            await TestCluster.ProposeAsync(leader, "k" + i, "v");
        }

        using var http = new HttpClient();
        var name = leader.Member.Name;
        string text = string.Empty;
        await TestCluster.Eventually(
            async () =>
            {
                text = await http.GetStringAsync(leader.Options.MetricsUrls[0] + "/metrics");
                return text.Contains("kernel_node_peer_round_trip_seconds_count{", StringComparison.Ordinal);
            },
            "the leader's /metrics shows a peer round trip");
        Assert.Contains("# TYPE kernel_node_proposals_committed_total counter", text, StringComparison.Ordinal);
        Assert.Contains("kernel_node_wal_fsync_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("kernel_node_loop_turn_duration_seconds_count{", text, StringComparison.Ordinal);
        var clusterId = cluster.Options[0].ClusterId().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1, Sample(text, "kernel_node_is_leader", name, clusterId));
        Assert.True(Sample(text, "kernel_node_proposals_committed_total", name, clusterId) >= 5, text);

        // Messages to peers, per peer: five proposals reached two followers, so at least ten went out, with their bytes.
        double Sent(string metric) => text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains($"member=\"{name}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Sent("kernel_node_peer_messages_sent_total") >= 10, text);
        Assert.True(Sent("kernel_node_peer_sent_bytes_total") > Sent("kernel_node_peer_messages_sent_total"), text);

        // The client listener (HTTP/1.1 here) serves the same text.
        Assert.Contains("kernel_node_is_leader", await http.GetStringAsync(leader.Options.ClientHttpUrls[0] + "/metrics"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The value of the one sample of <paramref name="metric"/> labelled with <paramref name="member"/> of
    /// <paramref name="clusterId"/> (tests run clusters side by side in one process); a timestamp may follow it.
    /// </summary>
    private static double Sample(string text, string metric, string member, string clusterId)
    {
        var line = text.Split('\n').Single(l => l.StartsWith(metric + "{", StringComparison.Ordinal)
            && l.Contains($"member=\"{member}\"", StringComparison.Ordinal) && l.Contains($"cluster=\"{clusterId}\"", StringComparison.Ordinal));
        var value = line[(line.LastIndexOf('}') + 2)..].Split(' ')[0];
        return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Peers_connect_through_the_kernels_pipeline_when_it_has_one_by_the_transports_name()
    {
        var attempts = 0;
        using var registry = new ResiliencePipelineRegistry<string>();
        registry.TryAddBuilder(PeerTransportOptions.DefaultPipelineName, (builder, _) => builder
            .AddRetry(new() { MaxRetryAttempts = int.MaxValue, Delay = TimeSpan.FromMilliseconds(50) })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = _ =>
                {
                    Interlocked.Increment(ref attempts);
                    return ValueTask.FromResult(TimeSpan.FromSeconds(5));
                },
            }));
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        cluster.Pipelines = registry;
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var leader = await cluster.LeaderAsync();
        await TestCluster.ProposeAsync(cluster.Follower(leader), "through", "polly");
        Assert.True(Volatile.Read(ref attempts) >= 6, $"every member dialled both peers through the named pipeline ({attempts} attempts)");
    }
}
