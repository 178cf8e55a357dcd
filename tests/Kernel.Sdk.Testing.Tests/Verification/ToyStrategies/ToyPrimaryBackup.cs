using System.Text;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

/// <summary>
/// A primary-backup store that claims linearizability: n1 is the primary for good; every request goes to it (a backup
/// forwards it and relays the reply), the primary applies requests one at a time, persists its whole state atomically
/// (with the ids of recent requests, so a duplicated forward is answered, not applied twice) before answering, and pushes
/// its state to the backups. With <paramref name="localReads"/> a backup answers reads from its own copy, which may be stale.
/// </summary>
public sealed class ToyPrimaryBackupStrategy(bool localReads = false) : IReplicationStrategy
{
    public StrategyCategory Category => StrategyCategory.Replication;

    public string Name => localReads ? "toy-primary-backup-local-reads" : "toy-primary-backup";

    public string Description => "A toy primary-backup store for testing the verifier" + (localReads ? " that reads from backups." : ".");

    public ReplicationGuarantee Guarantee => ReplicationGuarantee.Linearizable;

    public IMessageCodec Codec => ToyReplicaCodec.Instance;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => [];

    public IReplicaNode CreateReplica(ReplicaOptions options) => new Replica(options, localReads);

    private sealed class Replica : IReplicaNode
    {
        private const string StateFile = "state";
        private const int RememberedRequests = 1024;
        private const int PushEvery = 5;
        private static readonly NodeId Primary = new(1);
        private readonly bool _localReads;
        private readonly IReadOnlyList<NodeId> _backups;
        private readonly IReplicaModel _model;
        private readonly SortedDictionary<string, byte[]> _state = new(StringComparer.Ordinal);
        private readonly Dictionary<long, KvResult> _done = [];
        private readonly Queue<long> _doneOrder = new();
        private List<IProtocolMessage> _messages = [];
        private List<KeyValuePair<long, ReadOnlyMemory<byte>>> _responses = [];
        private bool _dirty;
        private long _version;
        private long _ticks;

        public Replica(ReplicaOptions options, bool localReads)
        {
            Id = options.Id;
            _model = options.Model;
            _localReads = localReads;
            _backups = [.. options.Replicas.Where(r => r != Primary)];
            if (IsPrimary && options.Directory.Exists(StateFile))
            {
                using var r = new BinaryReader(new MemoryStream(options.Directory.ReadAll(StateFile)), Encoding.UTF8);
                _version = r.ReadInt64();
                foreach (var e in ToyReplicaCodec.ReadEntries(r))
                {
                    _state[e.Key] = e.Value;
                }

                var count = r.ReadInt32();
                for (var i = 0; i < count; i++)
                {
                    Remember(r.ReadInt64(), new KvResult(r.ReadBoolean(), r.ReadBoolean() ? r.ReadString() : null));
                }
            }
        }

        public NodeId Id { get; }

        public bool HasReady => _messages.Count > 0 || _responses.Count > 0 || _dirty;

        private bool IsPrimary => Id == Primary;

        public void Tick()
        {
            if (IsPrimary && ++_ticks % PushEvery == 0)
            {
                PushState();
            }
        }

        public void Step(IProtocolMessage message)
        {
            if (message is not ToyReplicaMessage m)
            {
                return;
            }

            switch (m.Type)
            {
                case ToyReplicaMessageType.Forward when IsPrimary && m.Command is { } command:
                    var result = Execute(m.RequestId, command);
                    _messages.Add(new ToyReplicaMessage(ToyReplicaMessageType.Reply, Id, m.From) { RequestId = m.RequestId, Result = result });
                    break;
                case ToyReplicaMessageType.Reply when m.Result is { } reply:
                    _responses.Add(new(m.RequestId, KvModel.Response(reply)));
                    break;
                case ToyReplicaMessageType.State when !IsPrimary && m.Version > _version:
                    // A backup's copy: a read cache only, never persisted.
                    _version = m.Version;
                    _state.Clear();
                    foreach (var e in m.Entries)
                    {
                        _state[e.Key] = e.Value;
                    }

                    break;
            }
        }

        public SubmitResult Submit(long requestId, ReplicaCommand command)
        {
            // The toy forwards requests in its own key-value message format.
            if (!KvModel.TryReadCommand(command.Payload.Span, out var kv))
            {
                return SubmitResult.Refused("toy-primary-backup forwards key-value commands only");
            }

            if (IsPrimary)
            {
                _responses.Add(new(requestId, KvModel.Response(Execute(requestId, kv))));
            }
            else if (_localReads && command.ReadOnly)
            {
                _responses.Add(new(requestId, _model.Apply(command, Held(command.Key)).Response));
            }
            else
            {
                _messages.Add(new ToyReplicaMessage(ToyReplicaMessageType.Forward, Id, Primary) { RequestId = requestId, Command = kv });
            }

            return SubmitResult.Ok;
        }

        public ReplicaReady GetReady()
        {
            var ready = new ReplicaReady
            {
                Writes = _dirty ? [new(StateFile, EncodeState())] : [],
                Messages = _messages,
                Responses = _responses,
            };
            _messages = [];
            _responses = [];
            return ready;
        }

        public void Advance(ReplicaReady ready)
        {
            if (ready.Writes.Count > 0)
            {
                _dirty = false;
            }
        }

        public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() =>
            _state.ToDictionary(p => p.Key, p => (IReadOnlyList<VersionedValue>)[new VersionedValue(Primary, p.Value, _version, VersionVector.Empty)], StringComparer.Ordinal);

        /// <summary>The primary applies a request once; a duplicate gets the first result.</summary>
        private KvResult Execute(long requestId, KvCommand command)
        {
            if (_done.TryGetValue(requestId, out var earlier))
            {
                return earlier;
            }

            var result = Apply(command);
            if (command.Op != KvOp.Get)
            {
                _version++;
                _dirty = true;
                Remember(requestId, result);
                PushState();
            }

            return result;
        }

        /// <summary>A key's value, or null when absent (a null array would convert to an empty value, not to null).</summary>
        private ReadOnlyMemory<byte>? Held(string key) => _state.TryGetValue(key, out var value) ? (ReadOnlyMemory<byte>?)value : null;

        /// <summary>Applies a command with the group's model.</summary>
        private KvResult Apply(KvCommand command)
        {
            var c = KvModel.Command(command);
            var outcome = _model.Apply(c, Held(command.Key));
            if (outcome.Value is { } value)
            {
                _state[command.Key] = value.ToArray();
            }
            else
            {
                _state.Remove(command.Key);
            }

            return KvModel.ReadResult(outcome.Response);
        }

        private void Remember(long requestId, KvResult result)
        {
            if (_done.TryAdd(requestId, result))
            {
                _doneOrder.Enqueue(requestId);
                if (_doneOrder.Count > RememberedRequests)
                {
                    _done.Remove(_doneOrder.Dequeue());
                }
            }
        }

        private void PushState()
        {
            var entries = _state.Select(p => new ToyEntry(p.Key, p.Value, 0, 0)).ToList();
            foreach (var backup in _backups)
            {
                _messages.Add(new ToyReplicaMessage(ToyReplicaMessageType.State, Id, backup) { Version = _version, Entries = entries });
            }
        }

        private byte[] EncodeState()
        {
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(_version);
                ToyReplicaCodec.WriteEntries(w, [.. _state.Select(p => new ToyEntry(p.Key, p.Value, 0, 0))]);
                w.Write(_doneOrder.Count);
                foreach (var id in _doneOrder)
                {
                    var result = _done[id];
                    w.Write(id);
                    w.Write(result.Ok);
                    w.Write(result.Value is not null);
                    if (result.Value is not null)
                    {
                        w.Write(result.Value);
                    }
                }
            }

            return stream.ToArray();
        }
    }
}
