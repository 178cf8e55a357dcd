using Kernel.Node.Hosting;
using Microsoft.Extensions.Configuration;

using UltimateConsensus;

namespace Kernel.Node.Tests.Hosting;

public sealed class ClusterOptionsTests
{
    private static readonly ClusterOptions Valid = EmbeddedCluster.Layout("data")[0];

    [Fact]
    public void The_embedded_layout_is_valid_and_uses_etcds_ports()
    {
        var members = EmbeddedCluster.Layout("data");
        Assert.All(members, m => Assert.Empty(m.Validate()));
        Assert.Equal(["http://127.0.0.1:2379", "http://127.0.0.1:12379", "http://127.0.0.1:22379"], members.Select(m => m.ClientUrls[0]));
        Assert.Equal(["http://127.0.0.1:2380", "http://127.0.0.1:12380", "http://127.0.0.1:22380"], members.Select(m => m.PeerUrls[0]));
        Assert.Equal(Path.Combine("data", "m2"), members[1].DataDirectory);
        Assert.Equal(3, members[0].Members().Count);
        Assert.Single(members[0].Members().Single(m => m.Name == "m2").ClientUrls, "http://127.0.0.1:12379");
    }

    [Fact]
    public void Every_problem_is_reported_at_once_naming_its_option()
    {
        var bad = Valid with
        {
            Name = "no spaces",
            PeerUrls = ["ftp://x"],
            ClientUrls = [],
            InitialCluster = "m1=http://127.0.0.1:2380,broken",
            Token = string.Empty,
            TickLength = TimeSpan.Zero,
            MaxInflightProposals = 0,
            SnapshotEvery = -1,
        };
        var errors = bad.Validate();
        foreach (var option in new[] { "--name", "--listen-peer-urls", "--listen-client-urls", "--initial-cluster:", "--initial-cluster-token", "--tickLength", "--maxInflightProposals", "--snapshot-count" })
        {
            Assert.Contains(errors, e => e.StartsWith(option, StringComparison.Ordinal));
        }

        Assert.Contains(errors, e => e.Contains("'broken' is not name=url", StringComparison.Ordinal));
    }

    [Fact]
    public void The_initial_cluster_must_name_this_member_at_one_of_its_peer_urls()
    {
        Assert.Contains(
            (Valid with { Name = "m9" }).Validate(),
            e => e.StartsWith("--initial-cluster: does not name this member 'm9'", StringComparison.Ordinal));
        Assert.Contains(
            (Valid with { PeerUrls = ["http://127.0.0.1:9999"] }).Validate(),
            e => e.Contains("not one of --listen-peer-urls", StringComparison.Ordinal));
        Assert.Contains((Valid with { PeerUrls = ["https://127.0.0.1:2380"], InitialCluster = "m1=https://127.0.0.1:2380" }).Validate(), e => e.StartsWith("--peer-cert-file and --peer-key-file", StringComparison.Ordinal));
    }

    [Fact]
    public void Ids_are_derived_from_the_initial_cluster_alone()
    {
        var a = EmbeddedCluster.Layout("a");
        var b = EmbeddedCluster.Layout("elsewhere");
        Assert.Equal(a[0].Members().Select(m => m.Id), b[2].Members().Select(m => m.Id));
        Assert.Equal(3, a[0].Members().Select(m => m.Id).Distinct().Count());
        Assert.Equal(a[0].ClusterId(), a[1].ClusterId());
        Assert.NotEqual(a[0].ClusterId(), (a[0] with { Token = "other" }).ClusterId());
        Assert.Equal(a[0].Members().Select(m => m.Id), (a[0] with { Token = "other" }).Members().Select(m => m.Id));
        Assert.Equal(MemberIdentity.MemberId("m1", ["http://b:1", "http://a:1"]), MemberIdentity.MemberId("m1", ["http://a:1", "http://b:1"]));
        Assert.NotEqual(MemberIdentity.MemberId("m1", ["http://a:1"]), MemberIdentity.MemberId("m2", ["http://a:1"]));
        Assert.NotEqual(MemberIdentity.MemberId("m1", ["http://a:1"]), MemberIdentity.MemberId("m1", ["http://a:2"]));
    }

    [Fact]
    public async Task A_member_with_bad_settings_or_bad_strategy_options_does_not_start()
    {
        var raft = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["heartbeatIntervalTicks"] = "0" }).Build();
        var ex = await Assert.ThrowsAsync<ClusterOptionsException>(() => MemberHost.StartAsync(Valid with { Token = string.Empty }, new RaftStrategy(), raft, m => new TestApplication(m)));
        Assert.Contains(ex.Errors, e => e.StartsWith("--initial-cluster-token", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("consensus/raft: ", StringComparison.Ordinal) && e.Contains("heartbeatIntervalTicks", StringComparison.Ordinal));
        Assert.Contains("--initial-cluster-token", ex.Message, StringComparison.Ordinal);
    }
}
