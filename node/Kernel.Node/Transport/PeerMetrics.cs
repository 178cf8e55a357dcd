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
    private readonly Counter<long> _messages;
    private readonly Counter<long> _bytes;

    public PeerMetrics(string member)
    {
        _member = member;
        _roundTrip = _meter.CreateHistogram<double>("kernel.node.peer.round_trip", "s", "Round trip of a ping on the stream to a peer, queued behind the messages before it.");
        _messages = _meter.CreateCounter<long>("kernel.node.peer.messages.sent", "{message}", "Protocol messages handed to the stream to a peer (forwarded client requests not counted).");
        _bytes = _meter.CreateCounter<long>("kernel.node.peer.sent", "By", "Encoded bytes of the protocol messages handed to the stream to a peer.");
    }

    /// <summary>Counts one protocol message of <paramref name="bytes"/> bytes queued for <paramref name="peer"/>.</summary>
    public void Sent(string peer, int bytes)
    {
        var member = new KeyValuePair<string, object?>("member", _member);
        var to = new KeyValuePair<string, object?>("peer", peer);
        _messages.Add(1, member, to);
        _bytes.Add(bytes, member, to);
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
