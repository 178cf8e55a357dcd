using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

using Kernel.Node.Runtime;

namespace Kernel.Node.Tests.Runtime;

public sealed class NodeMetricsTests
{
    [Fact]
    public async Task A_member_counts_applied_entries_fsyncs_and_leadership_on_the_Kernel_Node_meter()
    {
        var cluster = TestCluster.Create();
        await using var _ = cluster;
        var clusterTag = cluster.Options[0].ClusterId().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        var sums = new ConcurrentDictionary<(string Instrument, string Member), double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NodeMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? member = null;
            string? clusterId = null;
            foreach (var tag in tags)
            {
                member = tag.Key == "member" ? (string?)tag.Value : member;
                clusterId = tag.Key == "cluster" ? (string?)tag.Value : clusterId;
            }

            if (clusterId == clusterTag && member is not null)
            {
                sums.AddOrUpdate((instrument.Name, member), value, (_, sum) => instrument is ObservableGauge<int> ? value : sum + value);
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, 1, t)); // histograms: count the records
        listener.Start();

        for (var i = 0; i < 3; i++)
        {
            await cluster.StartMemberAsync(i);
        }

        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 10; i++)
        {
            await TestCluster.ProposeAsync(leader, "m" + i, "v");
        }

        await cluster.AllHoldAsync("m9", "v");
        listener.RecordObservableInstruments();
        var name = leader.Member.Name;
        Assert.True(sums.GetValueOrDefault(("kernel.node.proposals.completed", name)) >= 10);
        Assert.True(sums.GetValueOrDefault(("kernel.node.entries.applied", name)) >= 10);
        Assert.True(sums.GetValueOrDefault(("kernel.node.wal.fsync.duration", name)) >= 1);
        Assert.Equal(1, sums.GetValueOrDefault(("kernel.node.is_leader", name)));
        Assert.All(cluster.Running, h => Assert.Equal(1, sums.GetValueOrDefault(("kernel.node.has_leader", h.Member.Name))));
        Assert.Equal(0, sums.GetValueOrDefault(("kernel.node.is_leader", cluster.Follower(leader).Member.Name)));
    }
}
