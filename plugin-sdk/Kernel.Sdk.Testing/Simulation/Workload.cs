using System.Buffers.Binary;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using HistoryBuilder = Kernel.Sdk.Testing.Linearizability.HistoryBuilder;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// Client processes running get/put/append/cas on a few keys against the cluster, each recorded in a history as
/// invoke then ok, fail (definitely did not happen) or info (unknown: timed out after the request was accepted).
/// Values written are unique, so a stale or lost write shows in the history.
/// <para>
/// On a consensus cluster writes are proposed as log entries and reads go through <c>ReadIndex</c> (or the log); an
/// operation completes when the entry is applied on the node it was sent to. On a replication cluster every operation is
/// a <see cref="IReplicaNode.Submit"/> with a request id that names the client and its sequence number, and completes
/// with the replica's response; a compare-and-set answered with <c>Ok = false</c> is recorded as a failed comparison, as
/// the kv-cas model expects. Against a <see cref="ReplicationGuarantee.Convergent"/> strategy one write in five goes to a
/// fresh write-once key (<c>w1</c>, <c>w2</c>, ...), which no concurrent write can legitimately overwrite, so a lost
/// acknowledged write shows at the end even under last-writer-wins.
/// </para>
/// </summary>
internal sealed class Workload
{
    private readonly SimCluster _cluster;
    private readonly SimulationOptions _options;
    private readonly Client[] _clients;
    private readonly Dictionary<string, string?> _lastSeen = new(StringComparer.Ordinal);
    private readonly long _timeout;
    private readonly bool _convergent;
    private readonly Dictionary<string, HashSet<string>> _written = new(StringComparer.Ordinal);
    private long _values;
    private long _writeOnceKeys;
    private bool _stopped;

    public Workload(SimCluster cluster)
    {
        _cluster = cluster;
        _options = cluster.Options;
        _timeout = (long)_options.ClientTimeout.TotalMicroseconds;
        _clients = new Client[_options.Clients];
        for (var i = 0; i < _clients.Length; i++)
        {
            _clients[i] = new Client(i, (i % _options.Nodes) + 1);
        }

        if (cluster.IsReplication)
        {
            _convergent = cluster.Guarantee == ReplicationGuarantee.Convergent;
            cluster.Responded = OnResponse;
        }
        else
        {
            cluster.Applied = OnApplied;
            cluster.ReadServed = OnRead;
            if (cluster.Capabilities is { Clients: ClientProtocol.ReplicaQuorum } capabilities)
            {
                _replyQuorum = _options.ClientReplyQuorum ?? capabilities.Quorum.FaultsTolerated(_options.Nodes) + 1;
            }
        }
    }

    /// <summary>Matching replies from distinct replicas a client waits for (ReplicaQuorum clients); 0 for leader clients.</summary>
    private readonly int _replyQuorum;

    /// <summary>The result the first honest replica that executed a request computed, by (client, sequence number).</summary>
    private readonly Dictionary<(long Client, long Seq), KvResult> _honestResults = [];

    /// <summary>The results clients accepted, by (client, sequence number), until an honest replica's result confirms them.</summary>
    private readonly Dictionary<(long Client, long Seq), (KvResult Result, string What)> _accepted = [];

    /// <summary>The recorded events; an invoke refused before it could take effect may be retracted (see <see cref="BuildHistory"/>).</summary>
    private readonly List<HistoryRecord> _records = [];

    public int Ok { get; private set; }

    public int Fail { get; private set; }

    public int Info { get; private set; }

    /// <summary>Operations that completed ok after <see cref="MarkLiveness"/>.</summary>
    public int OkSinceMark { get; private set; }

    public int InFlight => _clients.Count(c => c.Waiting);

    /// <summary>Writes acknowledged to a client: the index they were applied at and the entry's hash.</summary>
    public List<(long Index, ulong Hash, string What)> Acknowledged { get; } = [];

    /// <summary>Writes a replica acknowledged (put, append, successful cas): the key and a description.</summary>
    public List<(string Key, string What)> AcknowledgedWrites { get; } = [];

    /// <summary>
    /// Per key, the values (puts and compare-and-sets, <c>vN</c>) and suffixes (appends, <c>+N</c>) clients sent to a
    /// replica that did not definitely fail: the only pieces a replica's final value may be made of. Replication only.
    /// </summary>
    public IReadOnlyDictionary<string, HashSet<string>> Written => _written;

    private long MarkTime { get; set; } = long.MaxValue;

    public void Start()
    {
        foreach (var c in _clients)
        {
            StartAfterThinking(c);
        }
    }

    /// <summary>Operations invoked so far.</summary>
    public int Invoked { get; private set; }

    public void MarkLiveness()
    {
        MarkTime = _cluster.NowMicros;
        OkSinceMark = 0;
        if (_options.Operations is not null)
        {
            // The safety phase's quota is spent: clients that stopped for it start again for the liveness phase.
            foreach (var c in _clients.Where(c => c.Parked))
            {
                c.Parked = false;
                StartAfterThinking(c);
            }
        }
    }

    public void Stop() => _stopped = true;

    /// <summary>Records every operation still in flight as of unknown outcome.</summary>
    public void Finish()
    {
        foreach (var c in _clients.Where(c => c.Waiting))
        {
            c.Waiting = false;
            _records.Add(new HistoryRecord(c.Process, RecordType.Info, null, null, _cluster.NowMicros));
            Info++;
        }
    }

    private long Think() => (long)_options.ThinkTime.TotalMicroseconds;

    /// <summary>The client's next operation starts after a random think time.</summary>
    private void StartAfterThinking(Client c) => _cluster.After(_cluster.Random.NextInt64(0, Think() + 1), () => StartNext(c));

    private void StartNext(Client c)
    {
        if (_stopped || _cluster.Stopped)
        {
            return;
        }

        if (MarkTime == long.MaxValue && Invoked >= _options.Operations)
        {
            c.Parked = true;
            return; // the safety phase's quota is reached; MarkLiveness starts the client again
        }

        Invoked++;

        var rng = _cluster.Random;
        c.Seq++;
        KvCommand command;
        var now = _cluster.NowMicros;
        if (_convergent && rng.Chance(0.2))
        {
            command = new KvCommand(KvOp.Put, "w" + (++_writeOnceKeys).ToString(System.Globalization.CultureInfo.InvariantCulture), "v" + Next());
        }
        else
        {
            command = NextCommand(rng);
        }

        c.InvokeRecord = _records.Count;
        _records.Add(new HistoryRecord(c.Process, RecordType.Invoke, command, null, now));

        c.Command = command;
        c.InvokedAt = now;
        if (rng.Chance(0.1))
        {
            c.Target = rng.Next(1, _options.Nodes + 1);
        }

        var node = _cluster.NodeAt(c.Target);
        _cluster.Trace.Record(now, TraceKind.Invoke, c.Target, c.Process, c.Seq);
        if (_cluster.Trace.TextEnabled)
        {
            _cluster.Trace.Line(now, TraceKind.Invoke, c.Target, $"client {c.Process} #{c.Seq} {Describe(command)}");
        }

        if (_cluster.IsReplication && command.Op != KvOp.Get)
        {
            // Until it definitely fails, this write may show up in the replicas' final state.
            if (!_written.TryGetValue(command.Key, out var pieces))
            {
                _written[command.Key] = pieces = new HashSet<string>(StringComparer.Ordinal);
            }

            pieces.Add(command.Value!);
        }

        if (_replyQuorum > 0)
        {
            StartQuorum(c, command);
            return;
        }

        if (!node.Up)
        {
            // Connection refused: nothing was sent, so the operation definitely did not happen.
            c.Waiting = true;
            Complete(c, Outcome.Fail, null, "node down");
            c.Target = rng.Next(1, _options.Nodes + 1);
            return;
        }

        c.Waiting = true;
        c.Node = c.Target;
        c.Incarnation = node.Incarnation;
        var seq = c.Seq;
        _cluster.After(_timeout, () =>
        {
            if (c.Waiting && c.Seq == seq)
            {
                Complete(c, Outcome.Unknown, null, "timeout");
                c.Target = _cluster.Random.Next(1, _options.Nodes + 1);
            }
        });
        _cluster.OnNode(node, () => Submit(c, node, seq));
    }

    /// <summary>
    /// A ReplicaQuorum client sends its request to every replica (a faulty one with a Twins copy: the copy serving the
    /// client's side) and waits for matching replies from <see cref="_replyQuorum"/> distinct replicas.
    /// </summary>
    private void StartQuorum(Client c, KvCommand command)
    {
        var copies = _cluster.AllNodes.Select(x => _cluster.Byzantine.CopyForClient(x.Index, c.Process)).Where(x => x.Up).ToList();
        c.Waiting = true;
        c.Replies.Clear();
        if (copies.Count == 0)
        {
            Complete(c, Outcome.Fail, null, "node down");
            return;
        }

        c.Node = 0;
        var seq = c.Seq;
        var request = new KvRequest(c.ClientId, seq, command).Encode();
        var attempts = 0;
        void Retransmit()
        {
            if (!c.Waiting || c.Seq != seq)
            {
                return;
            }

            // As a PBFT client does: on a timeout the same request (same timestamp, so executed at most once) goes to
            // every replica again; after the last attempt the outcome is unknown.
            if (++attempts > QuorumRetransmissions)
            {
                Complete(c, Outcome.Unknown, null, "timeout");
                return;
            }

            Send(_cluster.AllNodes.Select(x => _cluster.Byzantine.CopyForClient(x.Index, c.Process)).Where(x => x.Up).ToList());
            _cluster.After(_timeout, Retransmit);
        }

        _cluster.After(_timeout, Retransmit);
        Send(copies);

        void Send(List<SimNode> targets)
        {
            foreach (var copy in targets)
            {
                Deliver(copy);
            }
        }

        void Deliver(SimNode copy)
        {
            _cluster.OnNode(copy, () =>
            {
                if (!c.Waiting || c.Seq != seq)
                {
                    return;
                }

                _cluster.ProposeAt(copy, request);
                if (copy.Byzantine && _cluster.Byzantine.ForgeReply(copy, c.ClientId, seq) is { } forged)
                {
                    Reply(c, copy, seq, forged, 0, 0);
                }
            });
        }
    }

    /// <summary>How often a ReplicaQuorum client sends its request again, a client timeout apart, before giving up.</summary>
    private const int QuorumRetransmissions = 3;

    /// <summary>A replica's reply to a ReplicaQuorum client; the operation completes on enough matching ones.</summary>
    private void Reply(Client c, SimNode node, long seq, KvResult result, long index, ulong hash)
    {
        if (!c.Waiting || c.Seq != seq)
        {
            return;
        }

        if (!c.Replies.TryGetValue(result, out var group))
        {
            c.Replies[result] = group = (new HashSet<int>(), 0, 0UL);
        }

        group.Replicas.Add(node.Base);
        if (!node.Byzantine && index > 0)
        {
            group = group with { Index = index, Hash = hash };
            c.Replies[result] = group;
        }

        if (group.Replicas.Count < _replyQuorum)
        {
            return;
        }

        c.Node = node.Index;
        var command = c.Command!;
        var key = (c.ClientId, seq);
        var what = $"{Describe(command)} by client {c.Process} accepted as {(result.Ok ? "ok" : "not ok")} {result.Value ?? "nil"} from {string.Join(",", group.Replicas.Order().Select(r => "n" + r))}";
        if (_honestResults.TryGetValue(key, out var honest))
        {
            CheckReply(honest, result, what);
        }
        else
        {
            _accepted[key] = (result, what);
        }

        _lastSeen[command.Key] = result.Value;
        switch (command.Op)
        {
            case KvOp.Get:
                Complete(c, Outcome.Ok, result.Value, null);
                break;
            case KvOp.Cas when !result.Ok:
                Complete(c, Outcome.Fail, null, "cas failed");
                break;
            default:
                if (group.Index > 0)
                {
                    Acknowledged.Add((group.Index, group.Hash, $"{Describe(command)} by client {c.Process}"));
                }

                Complete(c, Outcome.Ok, null, null);
                break;
        }
    }

    private void CheckReply(KvResult honest, KvResult accepted, string what)
    {
        if (honest != accepted)
        {
            _cluster.Violate(ViolationKinds.ClientReply,
                $"{what}, but the honest replicas executed it with result {(honest.Ok ? "ok" : "not ok")} {honest.Value ?? "nil"}");
        }
    }

    private KvCommand NextCommand(SimRandom rng)
    {
        var key = "k" + rng.Next(_options.Keys).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var r = rng.NextDouble();
        if (r < 0.4)
        {
            return new KvCommand(KvOp.Get, key);
        }

        if (r < 0.65)
        {
            return new KvCommand(KvOp.Put, key, "v" + Next());
        }

        if (r < 0.8)
        {
            return new KvCommand(KvOp.Append, key, "+" + Next());
        }

        _lastSeen.TryGetValue(key, out var expected);
        if (rng.Chance(0.25) && _values > 0)
        {
            expected = "v" + rng.NextInt64(1, _values + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new KvCommand(KvOp.Cas, key, "v" + Next(), expected);
    }

    /// <summary>The request id of a client's operation: client id in the high bits, sequence number in the low 40.</summary>
    private static long RequestId(long clientId, long seq) => (clientId << 40) | seq;

    private void Submit(Client c, SimNode node, long seq)
    {
        if (!c.Waiting || c.Seq != seq || node.Incarnation != c.Incarnation)
        {
            return;
        }

        var command = c.Command!;
        if (_cluster.IsReplication)
        {
            // Taken: the response comes later or never (then the client times out: info). Refused by the replica: it
            // says nothing happened, so the operation definitely failed. Not delivered (down, paused): the client times out.
            if (_cluster.Submit(node.Id, RequestId(c.ClientId, seq), command) is { Accepted: false } refused && c.Waiting && c.Seq == seq)
            {
                Complete(c, Outcome.Fail, null, "refused: " + refused.Reason);
            }

            return;
        }

        if (command.Op == KvOp.Get && !_options.ReadsThroughLog && _cluster.Capabilities is { ReadIndex: true })
        {
            var context = new byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(context, c.ClientId);
            BinaryPrimitives.WriteInt64LittleEndian(context.AsSpan(8), seq);
            if (!_cluster.ReadIndex(node.Id, context) && c.Waiting && c.Seq == seq)
            {
                Complete(c, Outcome.Fail, null, "read refused");
                Retarget(c, node);
            }

            return;
        }

        var result = _cluster.Propose(node.Id, new KvRequest(c.ClientId, seq, command).Encode());
        if (!result.Accepted && c.Waiting && c.Seq == seq)
        {
            // Refused: the strategy says it did not take the command, so it definitely did not happen.
            Complete(c, Outcome.Fail, null, "refused: " + result.Reason);
            c.Target = result.LeaderHint.IsNone || result.LeaderHint.Value > _options.Nodes
                ? _cluster.Random.Next(1, _options.Nodes + 1)
                : result.LeaderHint.Value;
        }
    }

    private void Retarget(Client c, SimNode node)
    {
        var leader = node.Up ? node.Node!.Status.Leader : NodeId.None;
        c.Target = !leader.IsNone && leader.Value <= _options.Nodes && leader != node.Id
            ? leader.Value
            : _cluster.Random.Next(1, _options.Nodes + 1);
    }

    private void OnApplied(SimNode node, long index, ulong hash, KvRequest request, KvResult result)
    {
        var process = (int)(request.ClientId - 1);
        if (process < 0 || process >= _clients.Length)
        {
            return;
        }

        var c = _clients[process];
        if (_replyQuorum > 0)
        {
            var key = (request.ClientId, request.Seq);
            if (!node.Byzantine && _honestResults.TryAdd(key, result) && _accepted.Remove(key, out var accepted))
            {
                CheckReply(result, accepted.Result, accepted.What);
            }

            if (node.Byzantine && _cluster.Byzantine.ForgeReply(node, request.ClientId, request.Seq) is { } forged)
            {
                result = forged;
            }

            Reply(c, node, request.Seq, result, index, hash);
            return;
        }

        if (!c.Waiting || c.Seq != request.Seq || c.Node != node.Index || c.Incarnation != node.Incarnation)
        {
            return;
        }

        var command = c.Command!;
        _lastSeen[command.Key] = result.Value;
        switch (command.Op)
        {
            case KvOp.Get:
                Complete(c, Outcome.Ok, result.Value, null);
                break;
            case KvOp.Cas when !result.Ok:
                Complete(c, Outcome.Fail, null, "cas failed");
                break;
            default:
                Acknowledged.Add((index, hash, $"{Describe(command)} by client {c.Process}"));
                Complete(c, Outcome.Ok, null, null);
                break;
        }
    }

    private void OnResponse(SimNode node, long requestId, KvResult result)
    {
        var process = (int)(requestId >> 40) - 1;
        var seq = requestId & ((1L << 40) - 1);
        if (process < 0 || process >= _clients.Length)
        {
            return;
        }

        var c = _clients[process];
        if (!c.Waiting || c.Seq != seq || c.Node != node.Index || c.Incarnation != node.Incarnation)
        {
            return;
        }

        var command = c.Command!;
        _lastSeen[command.Key] = result.Value;
        if (command.Op == KvOp.Cas && !result.Ok)
        {
            // The comparison failed: for the kv-cas model an operation that took effect and changed nothing.
            Complete(c, Outcome.Fail, null, "cas failed");
        }
        else if (!result.Ok)
        {
            Complete(c, Outcome.Fail, null, "not ok");
        }
        else if (command.Op == KvOp.Get)
        {
            Complete(c, Outcome.Ok, result.Value, null);
        }
        else
        {
            AcknowledgedWrites.Add((command.Key, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{Describe(command)} by client {c.Process}, acknowledged by {node.Id} at {_cluster.Now.TotalSeconds:F3}s")));
            Complete(c, Outcome.Ok, null, null);
        }
    }

    private void OnRead(SimNode node, ReadOnlyMemory<byte> context)
    {
        if (context.Length != 16)
        {
            return;
        }

        var clientId = BinaryPrimitives.ReadInt64LittleEndian(context.Span);
        var seq = BinaryPrimitives.ReadInt64LittleEndian(context.Span[8..]);
        var process = (int)(clientId - 1);
        if (process < 0 || process >= _clients.Length)
        {
            return;
        }

        var c = _clients[process];
        if (!c.Waiting || c.Seq != seq || c.Node != node.Index || c.Incarnation != node.Incarnation || c.Command!.Op != KvOp.Get)
        {
            return;
        }

        var value = node.StateMachine.Get(c.Command.Key);
        _lastSeen[c.Command.Key] = value;
        Complete(c, Outcome.Ok, value, null);
    }

    private void Complete(Client c, Outcome outcome, string? value, string? why)
    {
        c.Waiting = false;
        var now = _cluster.NowMicros;
        if (outcome == Outcome.Fail && c.Command is { Op: not KvOp.Get } failed && _written.TryGetValue(failed.Key, out var pieces))
        {
            pieces.Remove(failed.Value!);
        }

        switch (outcome)
        {
            case Outcome.Ok:
                _records.Add(new HistoryRecord(c.Process, RecordType.Ok, null, value, now));
                Ok++;
                if (c.InvokedAt >= MarkTime)
                {
                    OkSinceMark++;
                }

                break;
            case Outcome.Fail:
                if (why is not null && why.StartsWith("refused", StringComparison.Ordinal) || why == "node down")
                {
                    // Refused before it could take effect. For get/put/append "fail" says exactly that, but for the
                    // kv-cas model a failed cas means "the comparison failed", so a refused cas is left out of the history.
                    if (_records[c.InvokeRecord].Command!.Op == KvOp.Cas)
                    {
                        _records[c.InvokeRecord] = _records[c.InvokeRecord] with { Type = RecordType.Retracted };
                        Fail++;
                        break;
                    }
                }

                _records.Add(new HistoryRecord(c.Process, RecordType.Fail, null, null, now));
                Fail++;
                break;
            default:
                _records.Add(new HistoryRecord(c.Process, RecordType.Info, null, null, now));
                Info++;
                break;
        }

        _cluster.Trace.Record(now, TraceKind.Complete, c.Node, c.Process, (long)outcome, value is null ? default : System.Text.Encoding.UTF8.GetBytes(value));
        if (_cluster.Trace.TextEnabled)
        {
            _cluster.Trace.Line(now, TraceKind.Complete, c.Node, $"client {c.Process} #{c.Seq} {outcome.ToString().ToLowerInvariant()}{(value is null ? "" : " " + value)}{(why is null ? "" : " (" + why + ")")}");
        }

        StartAfterThinking(c);
    }

    /// <summary>The history in the linearizability checker's form (retracted operations left out).</summary>
    public HistoryBuilder BuildHistory()
    {
        var builder = new HistoryBuilder();
        foreach (var r in _records)
        {
            switch (r.Type)
            {
                case RecordType.Invoke:
                    var cmd = r.Command!;
                    switch (cmd.Op)
                    {
                        case KvOp.Get:
                            builder.Invoke(r.Process, "get", cmd.Key, null, r.Time);
                            break;
                        case KvOp.Put:
                            builder.Invoke(r.Process, "put", cmd.Key, cmd.Value, r.Time);
                            break;
                        case KvOp.Append:
                            builder.Invoke(r.Process, "append", cmd.Key, cmd.Value, r.Time);
                            break;
                        default:
                            builder.InvokeCas(r.Process, cmd.Key, cmd.Expected, cmd.Value, r.Time);
                            break;
                    }

                    break;
                case RecordType.Ok:
                    builder.Ok(r.Process, r.Value, r.Time);
                    break;
                case RecordType.Fail:
                    builder.Fail(r.Process, r.Time);
                    break;
                case RecordType.Info:
                    builder.Info(r.Process, r.Time);
                    break;
            }
        }

        return builder;
    }

    private string Next() => (++_values).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Describe(KvCommand c) => c.Op switch
    {
        KvOp.Get => $"get {c.Key}",
        KvOp.Put => $"put {c.Key}={c.Value}",
        KvOp.Append => $"append {c.Key}+={c.Value}",
        _ => $"cas {c.Key} {c.Expected ?? "nil"}->{c.Value}",
    };

    private enum RecordType : byte
    {
        Invoke,
        Ok,
        Fail,
        Info,
        Retracted,
    }

    private readonly record struct HistoryRecord(int Process, RecordType Type, KvCommand? Command, string? Value, long Time);

    private enum Outcome
    {
        Ok,
        Fail,
        Unknown,
    }

    private sealed class Client(int process, int target)
    {
        public int Process { get; } = process;

        public long ClientId { get; } = process + 1;

        public long Seq { get; set; }

        public int Target { get; set; } = target;

        public bool Waiting { get; set; }

        /// <summary>Stopped by the safety phase's operation quota, until the liveness phase.</summary>
        public bool Parked { get; set; }

        public int Node { get; set; }

        public long Incarnation { get; set; }

        public long InvokedAt { get; set; }

        public int InvokeRecord { get; set; }

        public KvCommand? Command { get; set; }

        /// <summary>A ReplicaQuorum client's replies so far: per result, the replicas that gave it and an honest one's log position.</summary>
        public Dictionary<KvResult, (HashSet<int> Replicas, long Index, ulong Hash)> Replies { get; } = [];
    }
}
