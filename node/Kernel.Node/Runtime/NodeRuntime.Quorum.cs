using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Node.Runtime;

/// <summary>
/// The gateway for strategies whose clients wait for matching replies from f+1 replicas
/// (<see cref="ClientProtocol.ReplicaQuorum"/>, PBFT). The member a client talks to acts as the protocol's client: each
/// request takes a client id of this runtime's (one per request in flight, so a client never has two requests
/// outstanding, as the protocol's exactly-once rule by timestamp expects) and the next timestamp of that id, goes to the
/// member's own replica and, through the peer transport, to every other one, and is answered only once f+1 replicas
/// replied alike. Each replica, applying the request, computes the response with its own state machine and sends it back
/// with a MAC under the key of its link to the gateway; the gateway's own replica counts as one reply. A request not
/// answered within the forward timeout is sent to every replica again (same id and timestamp, so executed at most once;
/// a replica that executed it already sends its cached reply again), and after <see cref="QuorumAttempts"/> attempts its
/// outcome is unknown. A linearizable read orders an empty barrier the same way; once f+1 replicas agree on the index it
/// executed at, the read runs on this member's state machine as soon as that has applied the index.
/// </summary>
/// <remarks>
/// The guarantee holds for the gateway, not for the etcd client behind it: the client trusts the one member it talks to.
/// A faulty gateway can lie to its own clients (never to another gateway's); a client that wants the protocol's full
/// guarantee must send to every replica and collect f+1 replies itself.
/// </remarks>
internal sealed partial class NodeRuntime
{
    /// <summary>How often a gateway sends one request, a forward timeout apart, before its outcome is unknown.</summary>
    internal const int QuorumAttempts = 3;

    // Loop-owned.
    private readonly Dictionary<long, QuorumRequest> _quorumRequests = [];
    private readonly List<(long Index, Pending Pending)> _quorumReads = [];
    private readonly Stack<ClientSlot> _freeSlots = new();
    private readonly Dictionary<long, (long Timestamp, NodeId Gateway, byte[] Reply)> _lastReplies = [];
    private IResponseCodec? _responses;
    private ILinkKeys? _linkKeys;
    private long _replayedUpTo;
    private long _rejectedReplies;

    private bool ServesReplicaQuorum => _strategy.Capabilities.Clients == ClientProtocol.ReplicaQuorum;

    /// <summary>Replies dropped because their MAC was wrong, their sender unknown or they named no request of this member's.</summary>
    internal long RejectedReplies => Interlocked.Read(ref _rejectedReplies);

    /// <summary>Gateway requests waiting for f+1 matching replies (for tests).</summary>
    internal int QuorumRequestsInFlight => Volatile.Read(ref _quorumInFlight);

    private int _quorumInFlight;

    /// <summary>Called by the constructor: what the gateway needs (a response codec and link keys).</summary>
    private void RequireReplicaQuorumParts()
    {
        if (!ServesReplicaQuorum)
        {
            return;
        }

        _responses = _machine as IResponseCodec ?? throw new InvalidOperationException(
            $"consensus/{_strategy.Name} answers clients from f+1 matching replica replies, but the member's state machine ({_machine.GetType().Name}) cannot encode its responses (IResponseCodec).");
        _linkKeys = _options.LinkKeys ?? throw new InvalidOperationException(
            $"consensus/{_strategy.Name} answers clients from f+1 matching replica replies, which need per-link keys (NodeRuntimeOptions.LinkKeys); none were handed in.");
    }

    /// <summary>Called by <see cref="Start"/>: the recovered log is applied again, and its replies went out before the restart.</summary>
    private void StartReplicaQuorum(RecoveredState recovered)
    {
        _replayedUpTo = recovered.Entries.Count > 0 ? recovered.Entries[^1].Index : 0; // replies for these went out before the restart
    }

    /// <summary>f+1 for the cluster's voters.</summary>
    private int ReplyQuorum => _strategy.Capabilities.Quorum.FaultsTolerated(_cluster.Membership.Voters.Count) + 1;

    /// <summary>On the loop: sends a proposal (or read barrier) of this member's to every replica.</summary>
    private void ProposeToReplicas(Pending p)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : new ClientSlot(Random.Shared.NextInt64(1, long.MaxValue));
        slot.Timestamp++;
        var request = new ReplicaRequest(slot.Client, slot.Timestamp, p.Envelope).Encode();
        var q = new QuorumRequest(p, slot, request, ReplicaRequest.Digest(request), new ReplyTally(ReplyQuorum));
        _quorumRequests[p.Id] = q;
        Interlocked.Increment(ref _quorumInFlight);
        SendToReplicas(q);
    }

    private void SendToReplicas(QuorumRequest q)
    {
        q.Deadline = _time.GetTimestamp() + (long)(_options.ForwardTimeout.TotalSeconds * _time.TimestampFrequency);
        q.Attempts++;
        _node!.Propose(q.Request);
        foreach (var peer in _cluster.Peers)
        {
            _ = SendToPeerAsync(peer, q.Request);
        }
    }

    /// <summary>Hands bytes to a peer's runtime over the forward stream; lost on failure (the gateway sends again).</summary>
    private async Task SendToPeerAsync(NodeId peer, byte[] bytes)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.ForwardTimeout, _time);
            await _network!.ForwardAsync(peer, bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ProposalRejectedException or ProposalOutcomeUnknownException or OperationCanceledException)
        {
            // The peer is down or the stream broke: the gateway's retransmission covers it.
        }
    }

    /// <summary>From the transport: a peer gateway's request, or a replica's reply to this member's request.</summary>
    private Task<ForwardOutcome> AcceptFromReplica(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        var kind = span.IsEmpty ? (byte)0 : span[0];
        if (kind is not (ReplicaRequest.Magic or ReplicaReply.Magic))
        {
            return Task.FromResult(ForwardOutcome.Rejected(RejectionReason.NoLeader, $"consensus/{_strategy.Name} takes requests from gateways, not forwarded proposals"));
        }

        var input = new Input(kind == ReplicaRequest.Magic ? InputKind.ReplicaRequest : InputKind.ReplicaReply, bytes.ToArray());
        return Task.FromResult(_inbox.Writer.TryWrite(input)
            ? ForwardOutcome.Taken(0, 0)
            : ForwardOutcome.Rejected(RejectionReason.TooManyRequests, TooManyMessage));
    }

    /// <summary>On the loop: another gateway's request; one executed already is answered again from the reply cache.</summary>
    private void OnReplicaRequest(byte[] request)
    {
        if (!ReplicaRequest.TryDecode(request, out var r))
        {
            return;
        }

        if (_lastReplies.TryGetValue(r.Client, out var last) && last.Timestamp == r.Timestamp)
        {
            _ = SendToPeerAsync(last.Gateway, last.Reply);
            return;
        }

        _node!.Propose(request);
    }

    /// <summary>On the loop: a replica's reply, checked against the key of the link to the replica it names.</summary>
    private void OnReplicaReply(byte[] bytes)
    {
        var sender = ReplicaReply.TryReadSender(bytes, out var member) ? _cluster.NodeOf(member) : NodeId.None;
        if (sender.IsNone || sender == _cluster.Self || !ReplicaReply.TryDecode(bytes, _linkKeys!.KeyFor(sender).Span, out var reply))
        {
            Interlocked.Increment(ref _rejectedReplies);
            return;
        }

        OnReply(sender, reply!);
    }

    private void OnReply(NodeId replica, ReplicaReply reply)
    {
        if (reply.Incarnation != _incarnation || !_quorumRequests.TryGetValue(reply.RequestId, out var q))
        {
            return; // an earlier incarnation's, or answered already
        }

        if (!reply.RequestDigest.AsSpan().SequenceEqual(q.Digest))
        {
            Interlocked.Increment(ref _rejectedReplies); // a reply about some other request under this id
            return;
        }

        if (!q.Tally.Add(replica, reply.Index, reply.Response, out var index, out var response))
        {
            return;
        }

        RemoveQuorum(q);
        var p = q.Pending;
        if (p.Read is not null)
        {
            if (_machine.AppliedIndex >= index)
            {
                Complete(p, null);
            }
            else
            {
                _quorumReads.Add((index, p)); // runs once this member's replica has applied the barrier
            }

            return;
        }

        object? result;
        try
        {
            result = _responses!.DecodeResponse(response);
        }
        catch (FormatException ex)
        {
            Fail(p, new ProposalOutcomeUnknownException("etcdserver: f+1 replicas agreed on a response this member cannot decode: " + ex.Message));
            return;
        }

        Complete(p, result);
    }

    private void RemoveQuorum(QuorumRequest q)
    {
        _quorumRequests.Remove(q.Pending.Id);
        Interlocked.Decrement(ref _quorumInFlight);
        _freeSlots.Push(q.Slot); // the next request of this id takes the next timestamp
    }

    /// <summary>
    /// On the loop, for a committed entry of a ReplicaQuorum strategy: applies the request's command, and replies to the
    /// gateway that sent it (to this member's own tally when it was this member).
    /// </summary>
    private void ApplyReplicaRequest(LogEntry entry)
    {
        if (entry.Index <= _machine.AppliedIndex)
        {
            return;
        }

        if (entry.Kind != EntryKind.Command || !ReplicaRequest.TryDecode(entry.Data, out var request) || !CommandEnvelope.TryDecode(request.Envelope, out var envelope))
        {
            _machine.Skip(entry.Index);
            ReleaseQuorumReads();
            return;
        }

        byte[] response;
        if (envelope.Kind == EnvelopeKind.Command)
        {
            response = _responses!.EncodeResponse(_machine.Apply(entry.Index, envelope.Command));
        }
        else
        {
            _machine.Skip(entry.Index);
            response = [];
        }

        var self = _cluster.SelfMember.Id;
        var reply = new ReplicaReply(self, envelope.Incarnation, envelope.RequestId, entry.Index, ReplicaRequest.Digest(entry.Data.Span), response);
        if (envelope.Proposer == self)
        {
            OnReply(_cluster.Self, reply);
        }
        else if (_cluster.NodeOf(envelope.Proposer) is { IsNone: false } gateway)
        {
            var bytes = reply.Encode(_linkKeys!.KeyFor(gateway).Span);
            _lastReplies[request.Client] = (request.Timestamp, gateway, bytes);
            if (entry.Index > _replayedUpTo)
            {
                foreach (var sent in ReplyTamper is { } tamper ? tamper(gateway, reply, _linkKeys) : [bytes])
                {
                    _ = SendToPeerAsync(gateway, sent);
                }
            }
        }

        ReleaseQuorumReads();
    }

    /// <summary>Tests only: replaces what this member sends other gateways for a reply (a faulty replica's lies and forgeries).</summary>
    internal Func<NodeId, ReplicaReply, ILinkKeys, IEnumerable<byte[]>>? ReplyTamper { get; set; }

    private void ReleaseQuorumReads()
    {
        if (_quorumReads.Count == 0)
        {
            return;
        }

        var applied = _machine.AppliedIndex;
        foreach (var (index, p) in _quorumReads.Where(r => r.Index <= applied).ToArray())
        {
            _quorumReads.Remove((index, p));
            Complete(p, null);
        }
    }

    /// <summary>On a tick: sends again what is unanswered past its deadline, gives up after the last attempt, drops what was cancelled.</summary>
    private void ExpireQuorumRequests()
    {
        if (_quorumRequests.Count == 0)
        {
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var q in _quorumRequests.Values.Where(q => q.Deadline <= now || q.Cancelled).ToArray())
        {
            if (q.Cancelled)
            {
                RemoveQuorum(q);
                Finish(q.Pending);
            }
            else if (q.Attempts >= QuorumAttempts)
            {
                RemoveQuorum(q);
                Fail(q.Pending, new ProposalOutcomeUnknownException($"etcdserver: request timed out (no {q.Tally.Needed} matching replies from the replicas; {q.Tally.Groups} different answers heard)"));
            }
            else
            {
                SendToReplicas(q);
            }
        }
    }

    /// <summary>Stopping: every gateway request and every read waiting for its barrier fails.</summary>
    private void FailQuorumRequests()
    {
        foreach (var q in _quorumRequests.Values.ToArray())
        {
            RemoveQuorum(q);
            Fail(q.Pending, new ProposalOutcomeUnknownException("etcdserver: server stopped"));
        }

        foreach (var (_, p) in _quorumReads)
        {
            Fail(p, new ProposalRejectedException(RejectionReason.Stopped, StoppedMessage()));
        }

        _quorumReads.Clear();
    }

    /// <summary>A client id of this runtime's and the last timestamp it used; one request at a time.</summary>
    private sealed class ClientSlot(long client)
    {
        public long Client { get; } = client;

        public long Timestamp { get; set; }
    }

    /// <summary>A gateway request waiting for f+1 matching replies.</summary>
    private sealed class QuorumRequest(Pending pending, ClientSlot slot, byte[] request, byte[] digest, ReplyTally tally)
    {
        public Pending Pending { get; } = pending;

        public ClientSlot Slot { get; } = slot;

        public byte[] Request { get; } = request;

        public byte[] Digest { get; } = digest;

        public ReplyTally Tally { get; } = tally;

        public long Deadline { get; set; }

        public int Attempts { get; set; }

        public bool Cancelled => Pending.Read?.IsCompleted ?? Pending.Done.Task.IsCompleted;
    }
}
