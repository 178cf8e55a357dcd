using System.Diagnostics;
using System.Diagnostics.Metrics;

using Kernel.Node.Runtime;

namespace Kernel.Node.Transport;

/// <summary>The peer transport's instruments on the <see cref="NodeMetrics.MeterName"/> meter, tagged with the member and the peer.</summary>
internal sealed class PeerMetrics : IDisposable
{
    private readonly Meter _meter = new(NodeMetrics.MeterName);
    private readonly string _member;
    private readonly Histogram<double> _roundTrip;

    public PeerMetrics(string member)
    {
        _member = member;
        _roundTrip = _meter.CreateHistogram<double>("kernel.node.peer.round_trip", "s", "Round trip of a ping on the stream to a peer, queued behind the messages before it.");
    }

    /// <summary>Records the round trip of a ping sent at <paramref name="sentTimestamp"/> (a <see cref="Stopwatch"/> timestamp of this process).</summary>
    public void RoundTrip(string peer, long sentTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(sentTimestamp);
        if (elapsed >= TimeSpan.Zero && elapsed < TimeSpan.FromHours(1))
        {
            _roundTrip.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("member", _member), new KeyValuePair<string, object?>("peer", peer));
        }
    }

    public void Dispose() => _meter.Dispose();
}
