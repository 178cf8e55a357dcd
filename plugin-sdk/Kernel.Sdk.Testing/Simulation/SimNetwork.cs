using System.Buffers;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// The simulated network of a <see cref="SimCluster"/>: directed links that partitions block, delay with jitter and a long
/// tail, loss, duplication, labrpc's unreliable mode and long reordering. Every message goes through the strategy's codec,
/// so what arrives is what a real transport would deliver; delivery is an event of the cluster's queue.
/// </summary>
internal sealed class SimNetwork
{
    private readonly SimCluster _cluster;
    private readonly IMessageCodec _codec;
    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private readonly int _size;
    private readonly bool[,] _blocked;
    private readonly bool[] _disconnected;
    private readonly long[,] _linkMessages;
    private readonly long[,] _linkBytes;
    private bool _reliable = true;
    private bool _longReordering;

    public SimNetwork(SimCluster cluster, IMessageCodec codec, int nodes)
    {
        _cluster = cluster;
        _codec = codec;
        _size = nodes + 1;
        _blocked = new bool[_size, _size];
        _disconnected = new bool[_size];
        _linkMessages = new long[_size, _size];
        _linkBytes = new long[_size, _size];
        LongDelayProbability = cluster.Options.LongDelayProbability;
        LongDelayMax = (long)cluster.Options.LongDelayMax.TotalMicroseconds;
    }

    public IMessageCodec Codec => _codec;

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    /// <summary>Probability of a long-tail delay (the options' value; the reorder nemesis raises it for a while).</summary>
    public double LongDelayProbability { get; set; }

    /// <summary>The longest long-tail delay in µs (the options' value; the reorder nemesis raises it for a while).</summary>
    public long LongDelayMax { get; set; }

    public bool Reliable => _reliable;

    public bool IsBlocked(int from, int to) => _blocked[from, to];

    public (long Messages, long Bytes) Link(int from, int to) => (_linkMessages[from, to], _linkBytes[from, to]);

    public void Disconnect(int i)
    {
        _disconnected[i] = true;
        for (var j = 1; j < _size; j++)
        {
            if (j != i)
            {
                _blocked[i, j] = true;
                _blocked[j, i] = true;
            }
        }
    }

    public void Connect(int i)
    {
        _disconnected[i] = false;
        for (var j = 1; j < _size; j++)
        {
            if (!_disconnected[j])
            {
                _blocked[i, j] = false;
                _blocked[j, i] = false;
            }
        }
    }

    /// <summary>Nodes talk only within their group (0: no group, isolated).</summary>
    public void Partition(int[] group)
    {
        Array.Clear(_disconnected);
        for (var i = 1; i < _size; i++)
        {
            for (var j = 1; j < _size; j++)
            {
                _blocked[i, j] = i != j && (group[i] == 0 || group[i] != group[j]);
            }
        }
    }

    public void Block(int from, int to, bool blocked) => _blocked[from, to] = blocked;

    public void Heal()
    {
        Array.Clear(_blocked);
        Array.Clear(_disconnected);
    }

    public bool AnyBlocked()
    {
        foreach (var b in _blocked)
        {
            if (b)
            {
                return true;
            }
        }

        return false;
    }

    public void SetReliable(bool reliable) => _reliable = reliable;

    public void SetLongReordering(bool on) => _longReordering = on;

    /// <summary>Encodes <paramref name="message"/> and schedules its delivery (or its loss), <paramref name="extraDelay"/> µs late.</summary>
    public void Send(SimNode n, IProtocolMessage message, long extraDelay)
    {
        var to = message.To.Value;
        if (to < 1 || to >= _size)
        {
            _cluster.Violate(ViolationKinds.Crash, $"{n.Id} sent a message to unknown node {message.To}", n.Index);
            return;
        }

        byte[] bytes;
        try
        {
            _writer.ResetWrittenCount();
            _codec.Encode(message, _writer);
            bytes = _writer.WrittenSpan.ToArray();
        }
        catch (Exception ex)
        {
            _cluster.Violate(ViolationKinds.Crash, $"codec could not encode {message} from {n.Id}: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        var random = _cluster.Random;
        var now = _cluster.NowMicros;
        n.MessagesSent++;
        n.BytesSent += bytes.Length;
        _linkMessages[n.Base, to]++;
        _linkBytes[n.Base, to] += bytes.Length;
        _cluster.Trace.Record(now, TraceKind.Send, n.Index, to, bytes.Length);
        var byzantine = _cluster.Byzantine;
        var dest = byzantine.Route(n, to);
        if (dest == 0)
        {
            return; // a Twins copy's message to a peer on the other copy's side
        }

        if (!n.Byzantine)
        {
            Transmit(n.Index, dest, bytes, extraDelay, forged: false);
            return;
        }

        foreach (var (from, target, payload, delay, forged) in byzantine.Tamper(n, dest, bytes))
        {
            Transmit(from, target, payload, extraDelay + delay, forged);
        }
    }

    /// <summary>Loses, delays or duplicates one message on the link <paramref name="from"/> → <paramref name="to"/> (instance indices).</summary>
    private void Transmit(int from, int to, byte[] bytes, long extraDelay, bool forged)
    {
        var random = _cluster.Random;
        var now = _cluster.NowMicros;
        var sender = _cluster.NodeAt(from);
        if (_blocked[sender.Base, _cluster.NodeAt(to).Base] || random.Chance(DropRate) || (!_reliable && random.Chance(0.1)))
        {
            sender.MessagesDropped++;
            _cluster.Trace.Record(now, TraceKind.Drop, from, to, -1);
            return;
        }

        var e = new SimEvent(EventKind.Deliver, to, from, forged ? 1 : 0, bytes);
        _cluster.Schedule(now + extraDelay + Delay(), e);
        if (random.Chance(DuplicateRate))
        {
            _cluster.Schedule(now + extraDelay + Delay(), e);
        }
    }

    /// <summary>
    /// Decodes a delivered message. Null when the codec fails or the decoded addresses are not the link's (both reported):
    /// the sender a node sees is the one the transport delivered from, never only what the message claims.
    /// </summary>
    public IProtocolMessage? Receive(SimNode n, SimNode from, byte[] bytes, bool forged = false)
    {
        IProtocolMessage message;
        try
        {
            message = _codec.Decode(bytes);
        }
        catch (Exception) when (from.Byzantine || forged)
        {
            _cluster.Byzantine.Rejected++; // a faulty sender's garbage: the codec refused it, as it should
            _cluster.Trace.Record(_cluster.NowMicros, TraceKind.Drop, n.Index, from.Index, bytes.Length);
            return null;
        }
        catch (Exception ex)
        {
            _cluster.Violate(ViolationKinds.Crash, $"codec could not decode a {bytes.Length}-byte message from {from.Id} to {n.Id}: {ex.GetType().Name}: {ex.Message}", n.Index);
            return null;
        }

        n.MessagesReceived++;
        n.BytesReceived += bytes.Length;
        var trace = _cluster.Trace;
        trace.Record(_cluster.NowMicros, TraceKind.Deliver, n.Index, from.Index, 0, bytes);
        if (trace.TextEnabled)
        {
            trace.Line(_cluster.NowMicros, TraceKind.Deliver, n.Index, $"from {from.Id} {message}");
        }

        if ((message.To != n.Id || message.From != from.Id) && (from.Byzantine || forged))
        {
            _cluster.Byzantine.Rejected++; // the transport stamps the sender: a forged or re-addressed message never reaches Step
            return null;
        }

        if (message.To != n.Id || message.From != from.Id)
        {
            _cluster.Violate(ViolationKinds.Crash, $"codec round trip changed the addresses of a message {from.Id}->{n.Id} into {message.From}->{message.To}", n.Index);
            return null;
        }

        return message;
    }

    private long Delay()
    {
        var options = _cluster.Options;
        var random = _cluster.Random;
        var d = (long)options.MinDelay.TotalMicroseconds + random.NextInt64(0, (long)options.DelayJitter.TotalMicroseconds + 1);
        if (random.Chance(LongDelayProbability))
        {
            d += random.NextInt64(0, LongDelayMax + 1);
        }

        if (!_reliable)
        {
            d += random.NextInt64(0, 27_000);
        }

        if (_longReordering && random.Next(3) != 0)
        {
            // As labrpc does it: 200 ms plus up to 2 s, skewed short.
            d += 200_000 + random.NextInt64(0, 1 + random.NextInt64(0, 2_000_000));
        }

        return d;
    }
}
