using System.Threading.Channels;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Runtime;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Runtime;

/// <summary>
/// Runs one member's replica of an <see cref="IReplicationStrategy"/> in real time, as the simulator's replica host does
/// over its simulated disk: the replica is created from the member's durable directory (what it wrote before a restart);
/// one thread owns it; ticks (from the injected <see cref="TimeProvider"/>, one per <see cref="NodeRuntimeOptions.TickLength"/>),
/// peer messages (decoded by the peer transport with the strategy's codec), client commands and reads of its contents are
/// queued to that thread through a bounded channel; after handling what is queued, the SDK's <see cref="ReadyDriver"/>
/// replaces files atomically, appends and fsyncs, sends, and only then hands the responses over. A command the replica
/// took and did not answer within <see cref="NodeRuntimeOptions.ForwardTimeout"/> fails with
/// <see cref="ProposalOutcomeUnknownException"/> (it may still happen: the replica may have passed it on).
/// </summary>
internal sealed partial class ReplicaRuntime : IReplicaClient, IPeerInbox, IAsyncDisposable
{
    private const int MaxDrain = 1 << 14;

    private readonly IReplicationStrategy _strategy;
    private readonly IConfiguration _strategyOptions;
    private readonly ClusterMap _cluster;
    private readonly IDurableDirectory _directory;
    private readonly NodeRuntimeOptions _options;
    private readonly IStrategyResolver? _strategies;
    private readonly IReplicaModel _model;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Input> _inbox;
    private readonly LoopWake _wake = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Loop-owned.
    private readonly Dictionary<long, Pending> _pending = [];
    private IReplicaNode? _replica;
    private ReadyDriver? _driver;
    private IPeerNetwork? _network;

    private ITimer? _ticker;
    private Thread? _thread;
    private long _nextRequestId;
    private int _inflight;
    private long _responses;
    private long _timedOut;
    private volatile int _state; // 0 created, 1 running, 2 stopping/stopped, 3 failed
    private volatile string? _failure;

    /// <summary>Creates the runtime; <see cref="Start"/> creates the replica from the directory and starts the loop.</summary>
    /// <param name="strategy">The replication strategy.</param>
    /// <param name="strategyOptions">Its options section, validated.</param>
    /// <param name="cluster">The members (each a replica of the group).</param>
    /// <param name="directory">This member's durable directory.</param>
    /// <param name="options">Tick length, request timeout (<see cref="NodeRuntimeOptions.ForwardTimeout"/>) and the bound of commands in flight.</param>
    /// <param name="strategies">What the strategy's options name (a conflict resolver, a CRDT type); null: none offered.</param>
    /// <param name="model">What commands do to values.</param>
    /// <param name="time">The clock of ticks and timeouts.</param>
    /// <param name="logger">Where the member logs.</param>
    public ReplicaRuntime(
        IReplicationStrategy strategy,
        IConfiguration strategyOptions,
        ClusterMap cluster,
        IDurableDirectory directory,
        NodeRuntimeOptions options,
        IStrategyResolver? strategies,
        IReplicaModel model,
        TimeProvider time,
        ILogger logger)
    {
        _strategy = strategy;
        _strategyOptions = strategyOptions;
        _cluster = cluster;
        _directory = directory;
        _options = options;
        _strategies = strategies;
        _model = model;
        _time = time;
        _logger = logger;
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Node runtime settings: " + string.Join(" ", errors), nameof(options));
        }

        _inbox = Channel.CreateBounded<Input>(new BoundedChannelOptions(options.MaxInflightProposals + 65_536)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Status = new NodeStatus(cluster.ClusterId, cluster.SelfMember.Id, 0, 0, 0, 0, cluster.Members);
    }

    /// <inheritdoc />
    public string StrategyKey => "replication/" + _strategy.Name;

    /// <inheritdoc />
    public ReplicationGuarantee Guarantee => _strategy.Guarantee;

    /// <inheritdoc />
    public NodeStatus Status { get; }

    /// <summary>The member this runtime runs.</summary>
    public MemberInfo Member => _cluster.SelfMember;

    /// <summary>Why the loop stopped on its own (the replica or its storage failed), or null.</summary>
    public string? Failure => _failure;

    /// <summary>Commands held now (taken and not answered).</summary>
    public int Inflight => Volatile.Read(ref _inflight);

    /// <summary>Responses the replica handed over since the start.</summary>
    public long Responses => Interlocked.Read(ref _responses);

    /// <summary>Commands that timed out without a response since the start.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>True while the loop runs.</summary>
    public bool IsRunning => _state == 1;

    /// <summary>Creates the replica from what the directory holds, then starts the loop and the ticker.</summary>
    /// <exception cref="InvalidOperationException">The runtime was started before.</exception>
    public void Start(IPeerNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (_state != 0)
        {
            throw new InvalidOperationException("The runtime was already started.");
        }

        _network = network;
        var files = _directory.List().Count;
        _replica = _strategy.CreateReplica(new ReplicaOptions
        {
            Id = _cluster.Self,
            Replicas = [.. _cluster.Members.Select(m => _cluster.NodeOf(m.Id))],
            Directory = _directory,
            Random = new Random(Random.Shared.Next()),
            Options = _strategyOptions,
            Strategies = _strategies,
            Model = _model,
        });
        _driver = new ReadyDriver(_replica, _directory, new Handler(this), null);
        Log.Started(_logger, _cluster.SelfMember.Name, _cluster.Self.ToString(), StrategyKey, _directory.Location, files);
        _state = 1;
        _thread = new Thread(Run) { IsBackground = true, Name = "replica-" + _cluster.SelfMember.Name };
        _thread.Start();
        _ticker = _time.CreateTimer(_ => _inbox.Writer.TryWrite(Input.Tick), null, _options.TickLength, _options.TickLength);
    }

    /// <summary>Stops the loop (what is queued refused, what was taken failed as unknown).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_state == 0)
        {
            _state = 2;
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
        _wake.Dispose();
    }

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> SubmitAsync(ReplicaCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ThrowIfNotRunning();
        if (Interlocked.Increment(ref _inflight) > _options.MaxInflightProposals)
        {
            Interlocked.Decrement(ref _inflight);
            throw new ProposalRejectedException(RejectionReason.TooManyRequests, "etcdserver: too many requests");
        }

        // The timeout runs from the call, not from when the loop got to it (a busy loop does not lengthen it).
        var deadline = _time.GetTimestamp() + (long)(_options.ForwardTimeout.TotalSeconds * _time.TimestampFrequency);
        var pending = new Pending(Interlocked.Increment(ref _nextRequestId), command) { Deadline = deadline };
        if (!_inbox.Writer.TryWrite(new Input(InputKind.Submit, pending)))
        {
            Interlocked.Decrement(ref _inflight);
            ThrowIfNotRunning();
            throw new ProposalRejectedException(RejectionReason.TooManyRequests, "etcdserver: too many requests");
        }

        using var registration = cancellationToken.Register(static p => ((Pending)p!).Done.TrySetCanceled(), pending);
        return await pending.Done.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<T> ReadContentsAsync<T>(Func<IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>>, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ThrowIfNotRunning();
        var request = new ContentsRead<T>(read);
        if (!_inbox.Writer.TryWrite(new Input(InputKind.Read, request)))
        {
            ThrowIfNotRunning();
            throw new ProposalRejectedException(RejectionReason.TooManyRequests, "etcdserver: too many requests");
        }

        using var registration = cancellationToken.Register(static r => ((ContentsRead<T>)r!).Fail(new OperationCanceledException()), request);
        return await request.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DeliverAsync(IProtocolMessage message, CancellationToken cancellationToken) =>
        _state == 1 ? _inbox.Writer.WriteAsync(new Input(InputKind.Message, message), cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Replicas forward no proposals: a forwarded envelope is refused.</summary>
    public Task<ForwardOutcome> AcceptForwardedAsync(ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken) =>
        Task.FromResult(ForwardOutcome.Rejected(RejectionReason.NoLeader, $"etcdserver: {StrategyKey} forwards no proposals between members"));

    private void ThrowIfNotRunning()
    {
        if (_state != 1)
        {
            throw new ProposalRejectedException(RejectionReason.Stopped, _failure is { } f ? "etcdserver: member failed: " + f : "etcdserver: server stopped");
        }
    }

    // ------------------------------------------------------------------ the loop

    private bool WaitForInput(ChannelReader<Input> reader) => _wake.WaitForInput(reader);

    private void Run()
    {
        var reader = _inbox.Reader;
        try
        {
            // What the replica recovered may have something to do at once (messages, files).
            Drain();
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
                do
                {
                    stop = input.Kind == InputKind.Stop || Handle(input);
                }
                while (!stop && ++drained < MaxDrain && reader.TryRead(out input));

                Drain();
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
            FailAll();
            while (reader.TryRead(out var left))
            {
                Refuse(left);
            }

            _stopped.TrySetResult();
        }
    }

    private void Drain()
    {
        var drain = _driver!.Drain();
        switch (drain.Outcome)
        {
            case ReadyDrainOutcome.Failed:
                throw new InvalidOperationException($"the replica failed in {drain.Phase}: {drain.Exception?.Message}", drain.Exception);
            case ReadyDrainOutcome.Livelock:
                Log.Livelock(_logger, _cluster.SelfMember.Name, drain.Batches);
                break;
        }
    }

    /// <summary>Handles one input; true when the loop must stop.</summary>
    private bool Handle(Input input)
    {
        switch (input.Kind)
        {
            case InputKind.Tick:
                _replica!.Tick();
                ExpirePending();
                break;
            case InputKind.Message:
                _replica!.Step((IProtocolMessage)input.Payload!);
                break;
            case InputKind.Submit:
                Submit((Pending)input.Payload!);
                break;
            case InputKind.Read:
                ((ContentsReadBase)input.Payload!).Run(_replica!.Contents());
                break;
        }

        return _state != 1;
    }

    private void Submit(Pending p)
    {
        if (p.Done.Task.IsCompleted)
        {
            Finish(p); // the caller gave up before the loop got to it: never handed to the replica
            return;
        }

        var result = _replica!.Submit(p.Id, p.Command);
        if (!result.Accepted)
        {
            p.Done.TrySetException(new ReplicaRefusedException(result.Reason ?? "refused"));
            Finish(p);
            return;
        }

        _pending[p.Id] = p;
    }

    private void ExpirePending()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var p in _pending.Values.Where(p => p.Deadline <= now || p.Done.Task.IsCompleted).ToArray())
        {
            _pending.Remove(p.Id);
            if (p.Done.TrySetException(new ProposalOutcomeUnknownException("etcdserver: request timed out")))
            {
                Interlocked.Increment(ref _timedOut);
            }

            Finish(p);
        }
    }

    private void Respond(long requestId, ReadOnlyMemory<byte> response)
    {
        Interlocked.Increment(ref _responses);
        if (_pending.Remove(requestId, out var p))
        {
            p.Done.TrySetResult(response.ToArray()); // the replica may reuse its buffers once advanced
            Finish(p);
        }
    }

    private void FailAll()
    {
        foreach (var p in _pending.Values)
        {
            p.Done.TrySetException(new ProposalOutcomeUnknownException("etcdserver: server stopped"));
            Finish(p);
        }

        _pending.Clear();
    }

    private void Refuse(Input input)
    {
        var stopped = new ProposalRejectedException(RejectionReason.Stopped, _failure is { } f ? "etcdserver: member failed: " + f : "etcdserver: server stopped");
        switch (input.Payload)
        {
            case Pending p:
                p.Done.TrySetException(stopped);
                Finish(p);
                break;
            case ContentsReadBase read:
                read.Fail(stopped);
                break;
        }
    }

    private void Finish(Pending p)
    {
        if (!p.Finished)
        {
            p.Finished = true;
            Interlocked.Decrement(ref _inflight);
        }
    }

    private enum InputKind
    {
        Tick,
        Message,
        Submit,
        Read,
        Stop,
    }

    private readonly record struct Input(InputKind Kind, object? Payload)
    {
        public static readonly Input Tick = new(InputKind.Tick, null);
        public static readonly Input Stop = new(InputKind.Stop, null);
    }

    private sealed class Pending(long id, ReplicaCommand command)
    {
        public long Id { get; } = id;

        public ReplicaCommand Command { get; } = command;

        public TaskCompletionSource<ReadOnlyMemory<byte>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Deadline { get; set; }

        public bool Finished { get; set; }
    }

    private abstract class ContentsReadBase
    {
        public abstract void Run(IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> contents);

        public abstract void Fail(Exception error);
    }

    private sealed class ContentsRead<T>(Func<IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>>, T> read) : ContentsReadBase
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        public override void Run(IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> contents)
        {
            if (_done.Task.IsCompleted)
            {
                return;
            }

            try
            {
                _done.TrySetResult(read(contents));
            }
            catch (Exception ex)
            {
                _done.TrySetException(ex);
            }
        }

        public override void Fail(Exception error) => _done.TrySetException(error);
    }

    /// <summary>The runtime's side of the replica's <see cref="ReadyDriver"/>: go on while running, send, answer.</summary>
    private sealed class Handler(ReplicaRuntime runtime) : IReplicaReadyHandler
    {
        public bool Continue(ReadyStage stage, ReplicaReady? ready, int index) => runtime._state == 1 || stage != ReadyStage.Next;

        public void Send(IProtocolMessage message) => runtime._network!.Send(message);

        public void Respond(long requestId, ReadOnlyMemory<byte> response) => runtime.Respond(requestId, response);
    }

    private static partial class Log
    {
        [LoggerMessage(21, LogLevel.Information, "Member {Member} ({Node}) runs a replica of {Strategy} from {Directory} ({Files} file(s) on disk)")]
        public static partial void Started(ILogger logger, string member, string node, string strategy, string directory, int files);

        [LoggerMessage(22, LogLevel.Critical, "Member {Member} stopped: {Reason}")]
        public static partial void Failed(ILogger logger, Exception exception, string member, string reason);

        [LoggerMessage(23, LogLevel.Warning, "Member {Member}: its replica kept producing output for {Batches} batches in one turn; the loop goes on with its inputs")]
        public static partial void Livelock(ILogger logger, string member, int batches);
    }
}
