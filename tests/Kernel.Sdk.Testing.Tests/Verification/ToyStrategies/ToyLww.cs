using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

/// <summary>Deliberate bugs of the last-writer-wins toy that the convergence checks must find.</summary>
public enum LwwFlaw
{
    /// <summary>Correct.</summary>
    None,

    /// <summary>(a) No anti-entropy: each write is pushed to the peers once, so a lost message or a down peer leaves replicas diverged for good.</summary>
    NoAntiEntropy,

    /// <summary>(b) Acknowledges a write at once and persists only every tenth tick: a crash in between loses acknowledged writes nobody else has.</summary>
    AckBeforePersist,
}

/// <summary>
/// A convergent store: last-writer-wins per key, versions (Lamport timestamp, replica id), every request served locally
/// (append and cas read the local value, so under concurrency they too are last-writer-wins), each changed key persisted
/// in its own file with an atomic write before the request is acknowledged, and anti-entropy: every third tick the whole
/// state goes to one random peer, which keeps whatever versions win. Correct with <see cref="LwwFlaw.None"/>.
/// <para>With the option <c>resolver</c> (a <c>conflict/...</c> strategy of any plugin, by name), which version wins when
/// two meet is that resolver's answer instead of the built-in rule: composition by name, through
/// <see cref="ReplicaOptions.Strategies"/>. The resolver must be a deterministic, symmetric choice (last writer wins) for
/// the replicas to converge; one that keeps siblings falls back to the built-in rule.</para>
/// </summary>
public sealed class ToyLwwStrategy(LwwFlaw flaw = LwwFlaw.None) : IReplicationStrategy, IReferencingStrategy
{
    public StrategyCategory Category => StrategyCategory.Replication;

    public string Name => flaw == LwwFlaw.None ? "toy-lww" : "toy-lww-" + flaw.ToString().ToLowerInvariant();

    public string Description => "A toy last-writer-wins store for testing the verifier" + (flaw == LwwFlaw.None ? "." : $" with the flaw {flaw}.");

    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Convergent;

    public IMessageCodec Codec => ToyReplicaCodec.Instance;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, ReadResolver);

    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, ReadResolver);

    public IReplicaNode CreateReplica(ReplicaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IConflictResolver? resolver = null;
        if (OptionReader.Bind(options.Options, ReadResolver) is { } reference)
        {
            var strategies = options.Strategies
                ?? throw new InvalidOperationException($"Option 'resolver' names {reference.Key}, but the runtime offers no strategies to resolve it.");

            // The lease lasts as long as the runtime that made the replica (the kernel releases its resolver's leases at the end).
            resolver = strategies.GetConflictResolver(reference.Key).Value;
        }

        return new LwwReplica(options, flaw, resolver);
    }

    private static StrategyReference? ReadResolver(OptionReader reader) => reader.Reference("resolver", StrategyCategory.Conflict);

    private sealed class LwwReplica : IReplicaNode, IMeasuredReplica
    {
        private const string Prefix = "key.";
        private const int GossipEvery = 3;
        private const int LazyPersistEvery = 10;
        private readonly LwwFlaw _flaw;
        private readonly IReadOnlyList<NodeId> _peers;
        private readonly Random _random;
        private readonly Dictionary<string, ToyEntry> _data = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _dirty = new(StringComparer.Ordinal);
        private List<IProtocolMessage> _messages = [];
        private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
        private long _clock;
        private long _ticks;
        private bool _flushDue;

        private readonly IConflictResolver? _resolver;
        private readonly IReplicaModel _model;

        public LwwReplica(ReplicaOptions options, LwwFlaw flaw, IConflictResolver? resolver)
        {
            Id = options.Id;
            _model = options.Model;
            _flaw = flaw;
            _resolver = resolver;
            _random = options.Random;
            _peers = [.. options.Replicas.Where(r => r != options.Id)];
            foreach (var name in options.Directory.List().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
            {
                using var r = new BinaryReader(new MemoryStream(options.Directory.ReadAll(name)), Encoding.UTF8);
                var e = new ToyEntry(name[Prefix.Length..], ToyReplicaCodec.ReadBytes(r), r.ReadInt64(), r.ReadInt32());
                _data[e.Key] = e;
                _clock = Math.Max(_clock, e.Timestamp);
            }
        }

        public NodeId Id { get; }

        /// <summary>Each submitted command's key length (<c>submit-key-chars</c>): a measurement for the simulator's tests.</summary>
        public IReadOnlyDictionary<string, IReadOnlyDictionary<long, long>> Measurements => new Dictionary<string, IReadOnlyDictionary<long, long>>
        {
            ["submit-key-chars"] = _submittedKeyChars,
        };

        private readonly Dictionary<long, long> _submittedKeyChars = [];

        public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || (_dirty.Count > 0 && PersistNow);

        /// <summary>The correct replica persists every change at once; the flawed one only when a tenth tick asks for it.</summary>
        private bool PersistNow => _flaw != LwwFlaw.AckBeforePersist || _flushDue;

        public void Tick()
        {
            _ticks++;
            _flushDue |= _ticks % LazyPersistEvery == 0;
            if (_flaw != LwwFlaw.NoAntiEntropy && _ticks % GossipEvery == 0 && _peers.Count > 0 && _data.Count > 0)
            {
                var peer = _peers[_random.Next(_peers.Count)];
                _messages.Add(new ToyReplicaMessage(ToyReplicaMessageType.Gossip, Id, peer) { Entries = [.. _data.Values] });
            }
        }

        public void Step(IProtocolMessage message)
        {
            if (message is not ToyReplicaMessage { Type: ToyReplicaMessageType.Gossip } m)
            {
                return;
            }

            foreach (var e in m.Entries)
            {
                _clock = Math.Max(_clock, e.Timestamp);
                _data.TryGetValue(e.Key, out var mine);
                if (Wins(e, mine))
                {
                    _data[e.Key] = e;
                    _dirty.Add(e.Key);
                }
            }
        }

        public SubmitResult Submit(long requestId, ReplicaCommand command)
        {
            _submittedKeyChars[command.Key.Length] = _submittedKeyChars.GetValueOrDefault(command.Key.Length) + 1;
            _data.TryGetValue(command.Key, out var current);
            var outcome = _model.Apply(command, current is null ? null : (ReadOnlyMemory<byte>?)current.Value);
            if (outcome.Value is not { } value)
            {
                if (current is not null)
                {
                    return SubmitResult.Refused("toy-lww keeps no tombstones, so it cannot delete a key");
                }
            }
            else if (current is null || !value.Span.SequenceEqual(current.Value))
            {
                Write(command.Key, value.ToArray()); // a new version only when the value changed (not for a read or a failed cas)
            }

            _responses.Add(new(requestId, outcome.Response));
            return SubmitResult.Ok;
        }

        /// <summary>Whether a version that arrived replaces the one held: the resolver's choice when there is one.</summary>
        private bool Wins(ToyEntry arrived, ToyEntry? mine)
        {
            if (_resolver is null || mine is null || arrived == mine)
            {
                return arrived.Beats(mine); // an equal version never replaces the one held
            }

            var held = Version(mine);
            var other = Version(arrived);
            var resolution = _resolver.Resolve(new Kernel.Sdk.Conflict.Conflict(arrived.Key, [held, other], null));
            // The arrived version wins when the resolver picked it (by what it holds: a resolver may return a copy).
            return resolution.Resolved is { } winner
                ? winner.Replica == other.Replica && winner.Timestamp == other.Timestamp && winner.Value.Span.SequenceEqual(other.Value.Span)
                : arrived.Beats(mine);
        }

        private static VersionedValue Version(ToyEntry e) =>
            new(new NodeId(e.Origin), e.Value, e.Timestamp, VersionVector.Empty);

        public ReplicaReady GetReady()
        {
            var writes = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
            if (PersistNow)
            {
                foreach (var key in _dirty)
                {
                    writes.Add(new(Prefix + key, Encode(_data[key])));
                }
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

            if (PersistNow)
            {
                _flushDue = false;
            }
        }

        public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() =>
            _data.ToDictionary(p => p.Key, p => (IReadOnlyList<VersionedValue>)[Version(p.Value)], StringComparer.Ordinal);

        private void Write(string key, byte[] value)
        {
            var e = new ToyEntry(key, value, ++_clock, Id.Value);
            _data[key] = e;
            _dirty.Add(key);
            if (_flaw == LwwFlaw.NoAntiEntropy)
            {
                foreach (var peer in _peers)
                {
                    _messages.Add(new ToyReplicaMessage(ToyReplicaMessageType.Gossip, Id, peer) { Entries = [e] });
                }
            }
        }

        private static byte[] Encode(ToyEntry e)
        {
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                ToyReplicaCodec.WriteBytes(w, e.Value);
                w.Write(e.Timestamp);
                w.Write(e.Origin);
            }

            return stream.ToArray();
        }
    }
}
