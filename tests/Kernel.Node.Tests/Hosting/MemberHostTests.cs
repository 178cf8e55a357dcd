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
