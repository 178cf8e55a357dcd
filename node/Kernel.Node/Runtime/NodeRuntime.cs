using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading.Channels;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Runtime;
using Kernel.Sdk.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Runtime;

/// <summary>
/// Runs one member's pure consensus node in real time: one thread owns the node and the state machine; ticks (from the
/// injected <see cref="TimeProvider"/>), peer messages, proposals, forwarded proposals and reads are queued to it through a
/// bounded channel; after draining what is queued (so many proposals share one append and one fsync), the SDK's
/// <see cref="ReadyDriver"/> persists, syncs, sends, applies and advances. Implements <see cref="INodeClient"/> for the
/// member's client API and <see cref="IPeerInbox"/> for the peer transport.
/// </summary>
/// <remarks>
/// Commands travel in a <see cref="CommandEnvelope"/> naming the proposer and its request: every member applies the
/// command, and the proposer completes its caller with the state machine's response when it applies the entry itself
/// (a follower forwards its proposals to the leader and still answers from its own state machine). A change of leader or
/// term fails the proposals already taken with <see cref="ProposalOutcomeUnknownException"/>; anything refused before it
/// was taken fails with <see cref="ProposalRejectedException"/>.
/// </remarks>
internal sealed partial class NodeRuntime : INodeClient, IPeerInbox, IAsyncDisposable
{
    private const int MaxDrain = 1 << 14;

    private readonly IConsensusStrategy _strategy;
    private readonly IConfiguration _strategyOptions;
    private readonly ClusterMap _cluster;
    private readonly IReplicatedStateMachine _machine;
    private readonly IDurableDirectory _directory;
    private readonly NodeRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Input> _inbox;

    // The loop sleeps on this when its inbox is empty: an event that blocks at once (no spinning) and a cached callback
    // that sets it. Blocking on the channel's task instead spins first (Task.SpinWait), which on a machine of few cores
    // shared by members and clients burnt about a tenth of a member's CPU in sched_yield.
    private readonly LoopWake _wake = new();
    private readonly ulong _incarnation = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
    private readonly Handler _handler;
    private readonly NodeMetrics _metrics;

    // Loop-owned state.
    private readonly Dictionary<long, Pending> _pending = [];
    private readonly Dictionary<long, PendingRead> _reads = [];
    private readonly List<(Pending Pending, object? Response)> _completed = [];
    private readonly List<PendingRead> _servedReads = [];
    private IConsensusStorage? _storage;
    private IConsensusNode? _node;
    private ReadyDriver? _driver;
    private IPeerNetwork? _network;
    private NodeId _lastLeader;
    private long _lastTerm;
    private long _readSeq;
    private long _lastSlowTurnLog;
    private long _slowTurns;
    private static readonly TimeSpan SlowTurnLogInterval = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _ticker;
    private Thread? _thread;
    private long _nextRequestId;
    private int _inflight;
    private volatile int _state; // 0 created, 1 running, 2 stopping/stopped, 3 failed
    private volatile NodeStatus _status;
    private volatile string? _failure;

    /// <summary>Creates the runtime; <see cref="Start"/> opens the storage and starts the loop.</summary>
    public NodeRuntime(
        IConsensusStrategy strategy,
        IConfiguration strategyOptions,
        ClusterMap cluster,
        IReplicatedStateMachine machine,
        IDurableDirectory directory,
        NodeRuntimeOptions options,
        TimeProvider time,
        ILogger logger)
    {
        _strategy = strategy;
        _strategyOptions = strategyOptions;
        _cluster = cluster;
        _machine = machine;
        _directory = directory;
        _options = options;
        _time = time;
        _logger = logger;
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Node runtime settings: " + string.Join(" ", errors), nameof(options));
        }

        RequireReplicaQuorumParts();

        _inbox = Channel.CreateBounded<Input>(new BoundedChannelOptions(options.MaxInflightProposals + 65_536)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _handler = new Handler(this);
        _status = new NodeStatus(cluster.ClusterId, cluster.SelfMember.Id, 0, 0, 0, machine.AppliedIndex, cluster.Members);
        _metrics = new NodeMetrics(cluster.SelfMember.Name, cluster.ClusterId, () => _status.LeaderId != 0, () => IsLeader, () => Inflight, () => (_status.CommitIndex, _status.AppliedIndex));
    }

    /// <inheritdoc />
    public NodeStatus Status => _status;

    /// <summary>The member this runtime runs.</summary>
    public MemberInfo Member => _cluster.SelfMember;

    /// <summary>Why the loop stopped on its own (a storage or node failure), or null.</summary>
    public string? Failure => _failure;

    /// <summary>Proposals and linearizable reads held now (for tests and metrics).</summary>
    public int Inflight => Volatile.Read(ref _inflight);

    /// <summary>True while this member leads.</summary>
    public bool IsLeader => _status.LeaderId == _cluster.SelfMember.Id;

    /// <summary>
    /// Opens the storage (recovering the state machine from its snapshot), creates the node and starts the loop and the
    /// ticker. The node's entries after the snapshot are applied again by the loop as the node hands them out.
    /// </summary>
    public void Start(IPeerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (_state != 0)
        {
            throw new InvalidOperationException("The runtime was already started.");
        }

        _network = network;
        var recovered = OpenNode();
        StartReplicaQuorum(recovered);
        Log.Started(_logger, _cluster.SelfMember.Name, _cluster.Self.ToString(), _directory.Location, recovered.Snapshot?.Index ?? 0, recovered.Entries.Count);
        _state = 1;
        Publish();
        _thread = new Thread(Run) { IsBackground = true, Name = "node-" + _cluster.SelfMember.Name };
        _thread.Start();
        _ticker = _time.CreateTimer(_ => _inbox.Writer.TryWrite(Input.Tick), null, _options.TickLength, _options.TickLength);
    }

    /// <summary>
    /// Opens the storage and creates the node and its driver on what it recovered; the state machine is restored from the
    /// recovered snapshot unless it is at or past it already (a reopen after a full disk: it applied more meanwhile).
    /// </summary>
    private RecoveredState OpenNode()
    {
        var storage = _strategy.OpenStorage(_directory);
        try
        {
            var recovered = storage.Recovered;
            if (recovered.Snapshot is { } snapshot && snapshot.Index > _machine.AppliedIndex)
            {
                _machine.Restore(snapshot.Data.Span);
            }

            _node = _strategy.CreateNode(new ConsensusNodeOptions
            {
                Id = _cluster.Self,
                InitialMembership = _cluster.Membership,
                Recovered = recovered,
                Random = new Random(Random.Shared.Next()),
                Options = _strategyOptions,
                LinkKeys = _options.LinkKeys,
            });
            _storage = storage;
            _driver = new ReadyDriver(_node, storage, _handler, new ReadyDriverOptions { SnapshotEvery = 0 } /* snapshots off the loop: NodeRuntime.Snapshots.cs */);
            return recovered;
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    /// <summary>Stops the loop (queued requests rejected, taken ones failed as unknown) and closes the storage.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_state == 0)
        {
            _state = 2;
            _metrics.Dispose();
            _wake.Dispose();
            return;
        }

        if (_state == 1)
        {
            _state = 2;
        }

        _inbox.Writer.TryWrite(Input.Stop);
        _inbox.Writer.TryComplete();
        if (_ticker is not null)
        {
            await _ticker.DisposeAsync().ConfigureAwait(false);
        }

        await _stopped.Task.ConfigureAwait(false);
        _storage?.Dispose();
        _metrics.Dispose();
        _wake.Dispose();
    }

    /// <inheritdoc />
    public async Task<object?> ProposeAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        var pending = Admit(EnvelopeKind.Command, command, read: null);
        using var registration = cancellationToken.Register(static p => ((Pending)p!).Done.TrySetCanceled(), pending);
        return await pending.Done.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<T> ReadAsync<T>(Func<T> read, bool linearizable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ThrowIfNotRunning();
        var request = new PendingRead<T>(read, linearizable);
        if (linearizable && Interlocked.Increment(ref _inflight) > _options.MaxInflightProposals)
        {
            Interlocked.Decrement(ref _inflight);
            throw TooMany();
        }

        if (!_inbox.Writer.TryWrite(new Input(InputKind.Read, request)))
        {
            if (linearizable)
            {
                Interlocked.Decrement(ref _inflight);
            }

            throw StateRejection();
        }

        using var registration = cancellationToken.Register(static r => ((PendingRead<T>)r!).Cancel(), request);
        return await request.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DeliverAsync(IProtocolMessage message, CancellationToken cancellationToken) =>
        _state == 1 ? _inbox.Writer.WriteAsync(new Input(InputKind.Message, message), cancellationToken) : ValueTask.CompletedTask;

    /// <inheritdoc />
    public Task<ForwardOutcome> AcceptForwardedAsync(ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
    {
        if (_state != 1)
        {
            return Task.FromResult(ForwardOutcome.Rejected(RejectionReason.Stopped, StoppedMessage()));
        }

        if (ServesReplicaQuorum)
        {
            return AcceptFromReplica(envelope); // requests and replies between gateways and replicas: NodeRuntime.Quorum.cs
        }

        var forwarded = new Forwarded(envelope);
        return _inbox.Writer.TryWrite(new Input(InputKind.Forwarded, forwarded))
            ? forwarded.Done.Task.WaitAsync(cancellationToken)
            : Task.FromResult(ForwardOutcome.Rejected(RejectionReason.TooManyRequests, TooManyMessage));
    }

    private const string TooManyMessage = "etcdserver: too many requests";

    private static ProposalRejectedException TooMany() => new(RejectionReason.TooManyRequests, TooManyMessage);

    private string StoppedMessage() => _failure is { } failure ? "etcdserver: member failed: " + failure : "etcdserver: server stopped";

    private ProposalRejectedException StateRejection() =>
        _state == 1 ? TooMany() : new ProposalRejectedException(RejectionReason.Stopped, StoppedMessage());

    private void ThrowIfNotRunning()
    {
        if (_state != 1)
        {
            throw new ProposalRejectedException(RejectionReason.Stopped, StoppedMessage());
        }
    }

    /// <summary>Takes a proposal (or read barrier) into the bound and queues it to the loop.</summary>
    private Pending Admit(EnvelopeKind kind, ReadOnlyMemory<byte> command, PendingRead? read)
    {
        ThrowIfNotRunning();
        if (Interlocked.Increment(ref _inflight) > _options.MaxInflightProposals)
        {
            Interlocked.Decrement(ref _inflight);
            throw TooMany();
        }

        var id = Interlocked.Increment(ref _nextRequestId);
        var pending = new Pending(id, new CommandEnvelope(kind, _cluster.SelfMember.Id, _incarnation, id, command).Encode(), read);
        if (!_inbox.Writer.TryWrite(new Input(InputKind.Propose, pending)))
        {
            Interlocked.Decrement(ref _inflight);
            throw StateRejection();
        }

        return pending;
    }

    // ------------------------------------------------------------------ the loop

    private bool WaitForInput(ChannelReader<Input> reader) => _wake.WaitForInput(reader);

    private void Run()
    {
        var reader = _inbox.Reader;
        try
        {
            while (_state == 1)
            {
                if (!reader.TryRead(out var input))
                {
                    if (!WaitForInput(reader))
                    {
                        break;
                    }

                    continue;
                }

                var stop = false;
                var drained = 0;
                _handler.Turn.Start();
                do
                {
                    stop = input.Kind == InputKind.Stop || Handle(input);
                }
                while (!stop && ++drained < MaxDrain && reader.TryRead(out input));

                _handler.Turn.Handled(drained);
                var drain = _driver!.Drain();
                if (drain.Outcome == ReadyDrainOutcome.Failed)
                {
                    if (ServesReplicaQuorum || !IsOutOfSpace(drain.Exception))
                    {
                        throw new InvalidOperationException($"the node failed in {drain.Phase}: {drain.Exception?.Message}", drain.Exception);
                    }

                    // Out of space: the member waits with its storage closed, then reopens it (NodeRuntime.DiskFull.cs).
                    if (stop || !WaitOutFullDisk(drain.Exception!, reader))
                    {
                        break;
                    }

                    Publish();
                    continue;
                }

                Publish();
                MaybeStartSnapshot();
                EndTurn(_handler.Turn);
                if (stop)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            _failure = ex.Message;
            _state = 3;
            Log.Failed(_logger, ex, _cluster.SelfMember.Name, ex.Message);
        }
        finally
        {
            if (_state == 1)
            {
                _state = 2;
            }

            FailAll(stopping: true);
            while (reader.TryRead(out var input))
            {
                Refuse(input);
            }

            WaitForSnapshotWork(); // the storage closes after the loop: no write may still be on it
            _stopped.TrySetResult();
        }
    }

    /// <summary>Handles one input on the loop; true to stop.</summary>
    private bool Handle(Input input)
    {
        var node = _node!;
        switch (input.Kind)
        {
            case InputKind.Tick:
                node.Tick();
                ExpireReads();
                ExpireQuorumRequests();
                break;
            case InputKind.Message:
                node.Step((IProtocolMessage)input.Payload!);
                break;
            case InputKind.Propose:
                Propose((Pending)input.Payload!);
                break;
            case InputKind.Forwarded:
                var forwarded = (Forwarded)input.Payload!;
                var result = node.Propose(forwarded.Envelope);
                forwarded.Done.TrySetResult(result.Accepted
                    ? ForwardOutcome.Taken(result.Index, result.Term)
                    : result.LeaderHint == _cluster.Self
                        ? ForwardOutcome.Rejected(RejectionReason.TooManyRequests, TooManyMessage + (result.Reason is { } why ? " (" + why + ")" : string.Empty))
                        : ForwardOutcome.Rejected(RejectionReason.NoLeader, "etcdserver: not leader" + (result.Reason is { } r ? " (" + r + ")" : string.Empty)));
                break;
            case InputKind.ForwardDone:
                ForwardDone((ForwardReply)input.Payload!);
                break;
            case InputKind.Read:
                Read((PendingRead)input.Payload!);
                break;
            case InputKind.SnapshotEncoded:
                SnapshotWasEncoded((SnapshotEncoded)input.Payload!);
                break;
            case InputKind.SnapshotWritten:
                SnapshotWasWritten((SnapshotWritten)input.Payload!);
                break;
            case InputKind.ReplicaRequest:
                OnReplicaRequest((byte[])input.Payload!);
                break;
            case InputKind.ReplicaReply:
                OnReplicaReply((byte[])input.Payload!);
                break;
        }

        return false;
    }

    private void Propose(Pending p)
    {
        if (p.Done.Task.IsCompleted)
        {
            Finish(p); // cancelled while queued: never proposed
            return;
        }

        if (ServesReplicaQuorum)
        {
            ProposeToReplicas(p); // to every replica, answered on f+1 matching replies: NodeRuntime.Quorum.cs
            return;
        }

        var result = _node!.Propose(p.Envelope);
        if (result.Accepted)
        {
            p.Index = result.Index;
            p.Term = result.Term;
            _pending[p.Id] = p;
            return;
        }

        var leader = result.LeaderHint.IsNone ? _node.Status.Leader : result.LeaderHint;
        if (leader == _cluster.Self)
        {
            // The leader itself refused (its protocol's own backpressure, such as too much uncommitted): retry later.
            Reject(p, RejectionReason.TooManyRequests, TooManyMessage + (result.Reason is { } why ? " (" + why + ")" : string.Empty));
            return;
        }

        if (leader.IsNone)
        {
            Reject(p, RejectionReason.NoLeader, "etcdserver: no leader" + (result.Reason is { } reason ? " (" + reason + ")" : string.Empty));
            return;
        }

        _pending[p.Id] = p;
        p.ForwardedTo = leader;
        _ = ForwardAsync(p, leader);
    }

    private async Task ForwardAsync(Pending p, NodeId leader)
    {
        ForwardReply reply;
        try
        {
            using var timeout = new CancellationTokenSource(_options.ForwardTimeout, _time);
            var outcome = await _network!.ForwardAsync(leader, p.Envelope, timeout.Token).ConfigureAwait(false);
            reply = new ForwardReply(p, outcome, null);
        }
        catch (Exception ex)
        {
            reply = new ForwardReply(p, default, ex is OperationCanceledException ? new ProposalOutcomeUnknownException("etcdserver: request timed out") : ex);
        }

        try
        {
            await _inbox.Writer.WriteAsync(new Input(InputKind.ForwardDone, reply)).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Stopping: the loop fails every pending proposal.
        }
    }

    private void ForwardDone(ForwardReply reply)
    {
        var p = reply.Pending;
        if (!_pending.TryGetValue(p.Id, out var current) || !ReferenceEquals(current, p))
        {
            return; // applied already, or failed by a leader change
        }

        if (reply.Error is ProposalRejectedException rejected)
        {
            _pending.Remove(p.Id);
            Reject(p, rejected.Reason, rejected.Message);
        }
        else if (reply.Error is { } error)
        {
            _pending.Remove(p.Id);
            Fail(p, error as ProposalOutcomeUnknownException ?? new ProposalOutcomeUnknownException("etcdserver: forwarding to the leader failed: " + error.Message));
        }
        else if (reply.Outcome.Rejection is { } reason)
        {
            _pending.Remove(p.Id);
            Reject(p, reason, reply.Outcome.Reason ?? reason.ToString());
        }
        else
        {
            p.Index = reply.Outcome.Index;
            p.Term = reply.Outcome.Term;
        }
    }

    private void Read(PendingRead read)
    {
        if (!read.Linearizable)
        {
            read.Run();
            return;
        }

        if (read.IsCompleted)
        {
            Interlocked.Decrement(ref _inflight);
            return;
        }

        if (!_strategy.Capabilities.ReadIndex)
        {
            // Through the log: an empty barrier; the read runs once this member applied it (already counted in the bound).
            var id = Interlocked.Increment(ref _nextRequestId);
            Propose(new Pending(id, new CommandEnvelope(EnvelopeKind.ReadBarrier, _cluster.SelfMember.Id, _incarnation, id, ReadOnlyMemory<byte>.Empty).Encode(), read));
            return;
        }

        var seq = ++_readSeq;
        var context = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(context, seq);
        if (!_node!.ReadIndex(context))
        {
            FinishRead(read, new ProposalRejectedException(RejectionReason.NoLeader, "etcdserver: no leader"));
            return;
        }

        read.Deadline = _time.GetTimestamp() + (long)(_options.ForwardTimeout.TotalSeconds * _time.TimestampFrequency);
        _reads[seq] = read;
    }

    private void ExpireReads()
    {
        if (_reads.Count == 0)
        {
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var (seq, read) in _reads.Where(r => r.Value.Deadline <= now || r.Value.IsCompleted).ToArray())
        {
            _reads.Remove(seq);
            FinishRead(read, new ProposalRejectedException(RejectionReason.NoLeader, "etcdserver: request timed out waiting for the read index"));
        }
    }

    private void FinishRead(PendingRead read, Exception? error)
    {
        if (error is null)
        {
            read.Run();
        }
        else
        {
            read.Fail(error);
        }

        if (read.Linearizable)
        {
            Interlocked.Decrement(ref _inflight);
        }
    }

    /// <summary>Publishes the status; a new leader or term fails what was taken under the old one.</summary>
    private void Publish()
    {
        var status = _node!.Status;
        if (status.Leader != _lastLeader || status.Term != _lastTerm)
        {
            if (!_lastLeader.IsNone || _lastTerm != 0)
            {
                Log.LeaderChanged(_logger, _cluster.SelfMember.Name, status.Term, _cluster.MemberOf(status.Leader)?.Name ?? "none", status.Role.ToString());
                _metrics.LeaderChanged();
            }

            _lastLeader = status.Leader;
            _lastTerm = status.Term;
            FailAll(stopping: false);
        }

        var current = _status;
        var leaderId = _cluster.MemberOf(status.Leader)?.Id ?? 0;
        var applied = _machine.AppliedIndex;
        if (current.LeaderId != leaderId || current.Term != status.Term || current.CommitIndex != status.Commit || current.AppliedIndex != applied)
        {
            _status = current with { LeaderId = leaderId, Term = status.Term, CommitIndex = status.Commit, AppliedIndex = applied };
        }
    }

    /// <summary>Fails every taken proposal as unknown and every waiting read as rejected (a leader change, or stopping).</summary>
    private void FailAll(bool stopping)
    {
        if (stopping)
        {
            FailQuorumRequests();
        }

        if (_pending.Count > 0)
        {
            var message = stopping ? "etcdserver: server stopped" : "etcdserver: leader changed";
            foreach (var p in _pending.Values.ToArray())
            {
                Fail(p, new ProposalOutcomeUnknownException(message));
            }

            _pending.Clear();
        }

        if (_reads.Count > 0)
        {
            var reason = stopping ? RejectionReason.Stopped : RejectionReason.NoLeader;
            foreach (var read in _reads.Values.ToArray())
            {
                FinishRead(read, new ProposalRejectedException(reason, stopping ? StoppedMessage() : "etcdserver: leader changed"));
            }

            _reads.Clear();
        }
    }

    /// <summary>Answers an input the loop will not handle (stopping).</summary>
    private void Refuse(Input input)
    {
        var stopped = new ProposalRejectedException(RejectionReason.Stopped, StoppedMessage());
        switch (input.Payload)
        {
            case Pending p:
                Reject(p, RejectionReason.Stopped, stopped.Message);
                break;
            case PendingRead read:
                FinishRead(read, stopped);
                break;
            case Forwarded forwarded:
                forwarded.Done.TrySetResult(ForwardOutcome.Rejected(RejectionReason.Stopped, stopped.Message));
                break;
        }
    }

    private void Reject(Pending p, RejectionReason reason, string message) => Fail(p, new ProposalRejectedException(reason, message));

    private void Fail(Pending p, Exception error)
    {
        _metrics.Failed(error is ProposalOutcomeUnknownException);
        if (p.Read is { } read)
        {
            read.Fail(error is ProposalOutcomeUnknownException ? new ProposalRejectedException(RejectionReason.NoLeader, error.Message) : error);
        }
        else
        {
            p.Done.TrySetException(error);
        }

        Finish(p);
    }

    private void Finish(Pending p)
    {
        if (!p.Finished)
        {
            p.Finished = true;
            Interlocked.Decrement(ref _inflight);
        }
    }

    // ------------------------------------------------------------------ the Ready handler (on the loop)

    private void ApplyEntry(LogEntry entry)
    {
        if (ServesReplicaQuorum)
        {
            ApplyReplicaRequest(entry);
            return;
        }

        if (entry.Index <= _machine.AppliedIndex)
        {
            return; // covered by the snapshot the state machine was restored from
        }

        if (entry.Kind != EntryKind.Command || !CommandEnvelope.TryDecode(entry.Data, out var envelope))
        {
            _machine.Skip(entry.Index);
            return;
        }

        object? response = null;
        if (envelope.Kind == EnvelopeKind.Command)
        {
            response = _machine.Apply(entry.Index, envelope.Command);
        }
        else
        {
            _machine.Skip(entry.Index);
        }

        if (envelope.Proposer == _cluster.SelfMember.Id && envelope.Incarnation == _incarnation && _pending.Remove(envelope.RequestId, out var p))
        {
            _completed.Add((p, response));
        }
    }

    private void CompleteApplied()
    {
        foreach (var (p, response) in _completed)
        {
            Complete(p, response);
        }

        _completed.Clear();
        foreach (var read in _servedReads)
        {
            FinishRead(read, null);
        }

        _servedReads.Clear();
    }

    /// <summary>Completes what this member took: a read barrier's read runs, a proposal's caller gets the response.</summary>
    private void Complete(Pending p, object? response)
    {
        if (p.Read is { } read)
        {
            read.Run();
        }
        else
        {
            p.Done.TrySetResult(response);
            _metrics.Completed();
        }

        Finish(p);
    }

    private void Restore(Snapshot snapshot)
    {
        // The entries the snapshot covers are never handed out: what this member was waiting for may be among them.
        foreach (var p in _pending.Values.ToArray())
        {
            Fail(p, new ProposalOutcomeUnknownException("etcdserver: the member installed a snapshot over the proposal"));
        }

        _pending.Clear();
        _machine.Restore(snapshot.Data.Span);
        _metrics.SnapshotInstalled();
        Log.SnapshotInstalled(_logger, _cluster.SelfMember.Name, snapshot.Index, snapshot.Term);
    }

    private void ServeRead(ReadState read)
    {
        if (read.Context.Length == 8 && _reads.Remove(BinaryPrimitives.ReadInt64LittleEndian(read.Context.Span), out var pending))
        {
            _servedReads.Add(pending);
        }
    }

    private sealed class Handler(NodeRuntime runtime) : IConsensusReadyHandler
    {
        private long _stageStart;

        /// <summary>Where the loop's current turn spends its time.</summary>
        public LoopTurn Turn { get; } = new();

        public bool Continue(ReadyStage stage, Ready? ready, int index)
        {
            switch (stage)
            {
                case ReadyStage.Received:
                    if (ready!.Snapshot is not null)
                    {
                        runtime.WaitForSnapshotWork(); // the leader's snapshot replaces the file: this member's own write finishes first
                    }

                    _stageStart = Stopwatch.GetTimestamp();
                    break;
                case ReadyStage.Written:
                    Turn.Write += Stopwatch.GetTimestamp() - _stageStart;
                    _stageStart = Stopwatch.GetTimestamp();
                    break;
                case ReadyStage.Synced:
                    if (ready!.MustSync)
                    {
                        runtime._metrics.Fsync(_stageStart);
                        Turn.Sync += Stopwatch.GetTimestamp() - _stageStart;
                    }

                    _stageStart = Stopwatch.GetTimestamp();
                    break;
                case ReadyStage.Sent:
                    Turn.Send += Stopwatch.GetTimestamp() - _stageStart;
                    _stageStart = Stopwatch.GetTimestamp();
                    break;
                case ReadyStage.Advanced:
                    _stageStart = Stopwatch.GetTimestamp();
                    break;
                case ReadyStage.Delivered:
                    if (ready!.CommittedEntries.Count > 0)
                    {
                        runtime._metrics.Applied(ready.CommittedEntries.Count);
                        runtime._metrics.Apply(_stageStart);
                        Turn.Apply += Stopwatch.GetTimestamp() - _stageStart;
                    }

                    runtime.CompleteApplied();
                    break;
            }

            return true;
        }

        public void Send(IProtocolMessage message) => runtime._network!.Send(message);

        public void Restore(Snapshot snapshot) => runtime.Restore(snapshot);

        public void Apply(LogEntry entry) => runtime.ApplyEntry(entry);

        public void ServeRead(ReadState read) => runtime.ServeRead(read);

        /// <summary>Not called: the driver takes no snapshots here (<see cref="MaybeStartSnapshot"/> does, off the loop).</summary>
        public ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex) => runtime._machine.Snapshot();
    }

    /// <summary>Logs the turn when it took longer than a tick.</summary>
    private void EndTurn(LoopTurn turn)
    {
        var total = turn.ElapsedMilliseconds;
        var tick = _options.TickLength.TotalMilliseconds;
        _metrics.Turn(total / 1000.0);
        if (total <= tick)
        {
            return;
        }

        _slowTurns++;
        var now = Stopwatch.GetTimestamp();
        if (_lastSlowTurnLog != 0 && Stopwatch.GetElapsedTime(_lastSlowTurnLog, now) < SlowTurnLogInterval)
        {
            return;
        }

        _lastSlowTurnLog = now;
        var slow = _slowTurns;
        _slowTurns = 0;
        if (_logger.IsEnabled(LogLevel.Warning))
        {
            Log.SlowTurn(
                _logger,
                _cluster.SelfMember.Name,
                total,
                tick,
                turn.Inputs,
                turn.HandleMilliseconds,
                LoopTurn.Milliseconds(turn.Write),
                LoopTurn.Milliseconds(turn.Sync),
                LoopTurn.Milliseconds(turn.Send),
                LoopTurn.Milliseconds(turn.Apply),
                LoopTurn.Milliseconds(turn.Snapshot),
                turn.SnapshotBytes,
                slow);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Member {Member} ({Node}) started from {Directory}: snapshot at {SnapshotIndex}, {Entries} log entries after it")]
        public static partial void Started(ILogger logger, string member, string node, string directory, long snapshotIndex, int entries);

        [LoggerMessage(2, LogLevel.Information, "Member {Member}: term {Term}, leader {Leader}, role {Role}")]
        public static partial void LeaderChanged(ILogger logger, string member, long term, string leader, string role);

        [LoggerMessage(3, LogLevel.Critical, "Member {Member} stopped: {Reason}")]
        public static partial void Failed(ILogger logger, Exception exception, string member, string reason);

        [LoggerMessage(4, LogLevel.Information, "Member {Member} installed a snapshot at {Index} (term {Term})")]
        public static partial void SnapshotInstalled(ILogger logger, string member, long index, long term);

        [LoggerMessage(7, LogLevel.Error, "Member {Member}: its disk is full ({Directory}: {Reason}); it closed its log, refuses writes and serves serializable reads until there is room to reopen it")]
        public static partial void DiskFull(ILogger logger, string member, string directory, string reason);

        [LoggerMessage(8, LogLevel.Warning, "Member {Member} reopened its log after a full disk: snapshot at {SnapshotIndex}, {Entries} log entries after it")]
        public static partial void Reopened(ILogger logger, string member, long snapshotIndex, int entries);

        [LoggerMessage(9, LogLevel.Warning, "Member {Member}: no space to write the snapshot at {Index} ({Reason}); the log stays, the snapshot is tried again")]
        public static partial void SnapshotNoSpace(ILogger logger, string member, long index, string reason);

        [LoggerMessage(6, LogLevel.Information, "Member {Member} saved a snapshot at {Index} ({Bytes} bytes) and dropped the log it covers")]
        public static partial void SnapshotSaved(ILogger logger, string member, long index, int bytes);

        [LoggerMessage(5, LogLevel.Warning, "Member {Member}: one turn of its loop took {Total:F0} ms, over the tick of {Tick:F0} ms (inputs {Inputs}: {Handle:F0} ms; write {Write:F0} ms, fsync {Sync:F0} ms, send {Send:F0} ms, apply {Apply:F0} ms, snapshot {Snapshot:F0} ms of {SnapshotBytes} bytes); heartbeats and elections wait for it ({Slow} turns over the tick since the last warning)")]
        public static partial void SlowTurn(ILogger logger, string member, double total, double tick, int inputs, double handle, double write, double sync, double send, double apply, double snapshot, long snapshotBytes, long slow);
    }
}
