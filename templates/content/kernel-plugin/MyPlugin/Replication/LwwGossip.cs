using System.Buffers;
using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin;

/// <summary>
/// replication/lww-gossip: a convergent store of keys and values. Every request is served by the replica that receives it,
/// which applies it with the group's model (<see cref="ReplicaOptions.Model"/>, key-value by default) and never looks
/// inside values otherwise;
/// each key keeps the version with the highest (Lamport timestamp, origin replica, value), so concurrent writes resolve
/// the same way everywhere (append and compare-and-set read the local value, so under concurrency they too are
/// last-writer-wins). A changed key is written to its own file, atomically, before the request is acknowledged, and
/// every <c>gossipIntervalTicks</c> ticks (default 3) the whole state goes to one random peer, which keeps whichever
/// versions win: anti-entropy, so replicas converge once the network heals, whatever messages were lost.
/// </summary>
public sealed class LwwGossipStrategy : IReplicationStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Replication;

    /// <inheritdoc />
    public string Name => "lww-gossip";

    /// <inheritdoc />
    public string Description => "Last-writer-wins key-value store with anti-entropy gossip (convergent)";

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    /// <inheritdoc />
    public IMessageCodec Codec => LwwGossipCodec.Instance;

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => Read(options, out _).Errors;

    /// <inheritdoc />
    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reader = Read(options.Options, out var gossipEvery);
        reader.ThrowIfInvalid();
        return new LwwReplica(options, gossipEvery);
    }

    private static OptionReader Read(IConfiguration options, out int gossipEvery)
    {
        var reader = new OptionReader(options);
        gossipEvery = reader.Int("gossipIntervalTicks", 3, 1, 10_000);
        reader.RejectUnknown();
        return reader;
    }

    private sealed class LwwReplica : IReplicaNode
    {
        private const string Prefix = "key.";
        private readonly int _gossipEvery;
        private readonly IReadOnlyList<NodeId> _peers;
        private readonly Random _random;
        private readonly Dictionary<string, LwwEntry> _data = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _dirty = new(StringComparer.Ordinal);
        private List<IProtocolMessage> _messages = [];
        private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
        private readonly IReplicaModel _model;
        private long _clock;
        private long _ticks;

        public LwwReplica(ReplicaOptions options, int gossipEvery)
        {
            Id = options.Id;
            _model = options.Model;
            _gossipEvery = gossipEvery;
            _random = options.Random;
            _peers = [.. options.Replicas.Where(r => r != options.Id)];
            foreach (var name in options.Directory.List().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
            {
                using var r = new BinaryReader(new MemoryStream(options.Directory.ReadAll(name)), Encoding.UTF8);
                var e = new LwwEntry(name[Prefix.Length..], LwwGossipCodec.ReadBytes(r), r.ReadInt64(), r.ReadInt32());
                _data[e.Key] = e;
                _clock = Math.Max(_clock, e.Timestamp);
            }
        }

        public NodeId Id { get; }

        public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || _dirty.Count > 0;

        public void Tick()
        {
            _ticks++;
            if (_ticks % _gossipEvery == 0 && _peers.Count > 0 && _data.Count > 0)
            {
                var peer = _peers[_random.Next(_peers.Count)];
                _messages.Add(new LwwGossipMessage(Id, peer, [.. _data.Values]));
            }
        }

        public void Step(IProtocolMessage message)
        {
            if (message is not LwwGossipMessage m || m.To != Id)
            {
                return;
            }

            foreach (var e in m.Entries)
            {
                _clock = Math.Max(_clock, e.Timestamp);
                _data.TryGetValue(e.Key, out var mine);
                if (e.Beats(mine))
                {
                    _data[e.Key] = e;
                    _dirty.Add(e.Key);
                }
            }
        }

        public SubmitResult Submit(long requestId, ReplicaCommand command)
        {
            _data.TryGetValue(command.Key, out var current);
            var outcome = _model.Apply(command, current is null ? null : (ReadOnlyMemory<byte>?)current.Value);
            if (outcome.Value is not { } value)
            {
                if (current is not null)
                {
                    // Deleting needs a tombstone that wins over older versions; this store keeps none, so it says no.
                    return SubmitResult.Refused("lww-gossip keeps no tombstones, so it cannot delete a key");
                }
            }
            else if (current is null || !value.Span.SequenceEqual(current.Value))
            {
                Write(command.Key, value.ToArray()); // a new version only when the value changed
            }

            _responses.Add(new(requestId, outcome.Response));
            return SubmitResult.Ok;
        }

        public ReplicaReady GetReady()
        {
            // The runtime writes the files first, then sends, then answers: a write is durable before it is acknowledged.
            var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>(_dirty.Count);
            foreach (var key in _dirty)
            {
                writes.Add(new(Prefix + key, Encode(_data[key])));
            }

            var ready = new ReplicaReady { Writes = writes, Messages = _messages, Responses = _responses };
            _messages = [];
            _responses = [];
            return ready;
        }

        public void Advance(ReplicaReady ready)
        {
            foreach (var (name, _) in ready.Writes)
            {
                _dirty.Remove(name[Prefix.Length..]);
            }
        }

        public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => _data.ToDictionary(
            p => p.Key,
            p => (IReadOnlyList<VersionedValue>)[new VersionedValue(new NodeId(p.Value.Origin), p.Value.Value, p.Value.Timestamp, VersionVector.Empty)],
            StringComparer.Ordinal);

        private void Write(string key, byte[] value)
        {
            _data[key] = new LwwEntry(key, value, ++_clock, Id.Value);
            _dirty.Add(key);
        }

        private static byte[] Encode(LwwEntry e)
        {
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                LwwGossipCodec.WriteBytes(w, e.Value);
                w.Write(e.Timestamp);
                w.Write(e.Origin);
            }

            return stream.ToArray();
        }
    }
}

/// <summary>A key's value with the version last-writer-wins orders it by: (timestamp, origin replica, value).</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">Its value, as the model encodes it.</param>
/// <param name="Timestamp">The Lamport timestamp of the write.</param>
/// <param name="Origin">The replica that wrote it.</param>
public sealed record LwwEntry(string Key, byte[] Value, long Timestamp, int Origin)
{
    /// <summary>True when this version wins over <paramref name="other"/>; the value breaks the last ties so the order is total.</summary>
    public bool Beats(LwwEntry? other)
    {
        if (other is null)
        {
            return true;
        }

        if (Timestamp != other.Timestamp)
        {
            return Timestamp > other.Timestamp;
        }

        return Origin != other.Origin ? Origin > other.Origin : Value.AsSpan().SequenceCompareTo(other.Value) > 0;
    }
}

/// <summary>Anti-entropy: a replica's versioned entries, for the receiver to merge.</summary>
/// <param name="From">The sender.</param>
/// <param name="To">The receiver.</param>
/// <param name="Entries">Every entry the sender holds.</param>
public sealed record LwwGossipMessage(NodeId From, NodeId To, IReadOnlyList<LwwEntry> Entries) : IProtocolMessage;

/// <summary>The codec of <see cref="LwwGossipMessage"/>: sender, receiver, then each entry.</summary>
public sealed class LwwGossipCodec : IMessageCodec
{
    /// <summary>The one instance.</summary>
    public static LwwGossipCodec Instance { get; } = new();

    /// <inheritdoc />
    public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var m = (LwwGossipMessage)message;
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(m.From.Value);
            w.Write(m.To.Value);
            w.Write(m.Entries.Count);
            foreach (var e in m.Entries)
            {
                w.Write(e.Key);
                WriteBytes(w, e.Value);
                w.Write(e.Timestamp);
                w.Write(e.Origin);
            }
        }

        output.Write(stream.GetBuffer().AsSpan(0, (int)stream.Length));
    }

    /// <inheritdoc />
    public IProtocolMessage Decode(ReadOnlySpan<byte> input)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(input.ToArray()), Encoding.UTF8);
            var from = new NodeId(r.ReadInt32());
            var to = new NodeId(r.ReadInt32());
            var count = r.ReadInt32();
            if (count < 0 || count > input.Length)
            {
                throw new FormatException($"A gossip message claims {count} entries.");
            }

            var entries = new List<LwwEntry>(count);
            for (var i = 0; i < count; i++)
            {
                entries.Add(new LwwEntry(r.ReadString(), ReadBytes(r), r.ReadInt64(), r.ReadInt32()));
            }

            return new LwwGossipMessage(from, to, entries);
        }
        catch (EndOfStreamException ex)
        {
            throw new FormatException("A gossip message is truncated.", ex);
        }
    }

    /// <summary>Writes a byte string with its length first (7-bit encoded, as BinaryWriter prefixes strings).</summary>
    internal static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        w.Write7BitEncodedInt(bytes.Length);
        w.Write(bytes);
    }

    /// <summary>Reads what <see cref="WriteBytes"/> wrote.</summary>
    internal static byte[] ReadBytes(BinaryReader r)
    {
        var n = r.Read7BitEncodedInt();
        var bytes = r.ReadBytes(n);
        return bytes.Length == n ? bytes : throw new EndOfStreamException();
    }
}
