using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading.Channels;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Runtime;

namespace RaftBench;

/// <summary>What a node loop receives.</summary>
internal enum InputKind : byte
{
    Tick,
    Message,
    Wire,
    Propose,
    Stop,
}

/// <summary>One input of a node loop: a tick, a peer message (as an object or as encoded bytes), a proposal, or stop.</summary>
internal readonly record struct Input(InputKind Kind, object? Payload)
{
    public static Input Tick => new(InputKind.Tick, null);

    public static Input Stop => new(InputKind.Stop, null);
}

/// <summary>A client proposal waiting for its entry to be applied on the leader.</summary>
internal sealed class Proposal(ReadOnlyMemory<byte> command, long start)
{
    public ReadOnlyMemory<byte> Command { get; } = command;

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the proposer sent it.</summary>
    public long Start { get; } = start;

    /// <summary>The term <see cref="IConsensusNode.Propose"/> returned; the entry must commit at (index, term).</summary>
    public long Term { get; set; }

    /// <summary>Completes with the timestamp at which the leader applied the entry, or -1 when refused or superseded.</summary>
    public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An encoded message in a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the receiver returns it after decoding.</summary>
internal sealed record WireMessage(byte[] Buffer, int Length);

/// <summary>How peers exchange messages inside the process.</summary>
internal enum TransportMode
{
    /// <summary>Message objects are passed as they are.</summary>
    Object,

    /// <summary>Every message is encoded by the strategy's codec on the sender's loop and decoded on the receiver's loop.</summary>
    Codec,
}

/// <summary>
/// A node runtime as a production one does it: one thread owns the pure node; inputs come through a channel; after
/// draining every pending input, the SDK's <see cref="ReadyDriver"/> runs each Ready: persisted (and synced when it must
/// be), then its messages sent, then its committed entries applied (completing the waiting proposers), then the node
/// advanced. Draining before GetReady is what batches many proposals into one append and one fsync (group commit).
/// </summary>
internal sealed class NodeRuntime : IConsensusReadyHandler
{
    private const int MaxDrain = 1 << 16;

    private readonly IConsensusNode _node;
    private readonly IConsensusStorage _storage;
    private readonly IMessageCodec _codec;
    private readonly TransportMode _transport;
    private readonly ReadyDriver _driver;
    private readonly Dictionary<long, Proposal> _pending = [];
    private readonly List<Proposal> _completed = [];
    private readonly ArrayBufferWriter<byte> _wire = new(1 << 16);
    private readonly Thread _thread;
    private NodeRuntime[] _peers = [];
    private bool _hardStateChanged;
    private long _syncStart;
    private long[] _lastSeq = new long[1024];
    private volatile int _role;
    private volatile int _leader;
    private long _term;
    private long _publishedApplied;
    private long _publishedCommit;

    public NodeRuntime(IConsensusNode node, IConsensusStorage storage, IMessageCodec codec, TransportMode transport, long snapshotThreshold)
    {
        _node = node;
        _storage = storage;
        _codec = codec;
        _transport = transport;
        _driver = new ReadyDriver(node, storage, this, new ReadyDriverOptions { SnapshotEvery = snapshotThreshold });
        Inbox = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,

            // The only continuation on the reader side is the loop thread's blocking wait: completing it inline just signals it.
            AllowSynchronousContinuations = true,
        });
        _thread = new Thread(Run) { IsBackground = true, Name = "raft-" + node.Id };
    }

    public NodeId Id => _node.Id;

    public Channel<Input> Inbox { get; }

    public ConsensusRole Role => (ConsensusRole)_role;

    public long Term => Volatile.Read(ref _term);

    public NodeId Leader => new(_leader);

    public long PublishedApplied => Volatile.Read(ref _publishedApplied);

    public long PublishedCommit => Volatile.Read(ref _publishedCommit);

    public Exception? Failure { get; private set; }

    // ------------------------------------------------------------ state machine (read after the thread has stopped)

    /// <summary>Last applied index (Noop and membership entries included).</summary>
    public long AppliedIndex { get; private set; }

    /// <summary>Command entries applied.</summary>
    public long AppliedCommands { get; private set; }

    /// <summary>Running hash of every applied entry (index, term, kind, data).</summary>
    public ulong Hash { get; private set; } = 0xCBF29CE484222325UL;

    /// <summary>Hash checkpoints every 4096 indexes, to compare nodes at a common point.</summary>
    public Dictionary<long, ulong> Checkpoints { get; } = [];

    /// <summary>Applied entries whose index did not follow the previous one.</summary>
    public long GapViolations { get; private set; }

    /// <summary>Commands whose (proposer, seq) was not above the proposer's previous one (duplicate or reordered).</summary>
    public long OrderViolations { get; private set; }

    public int SnapshotsInstalled { get; private set; }

    public int SnapshotsTaken { get; private set; }

    // ------------------------------------------------------------ counters

    public long Loops { get; private set; }

    public long Readies { get; private set; }

    public long Syncs { get; private set; }

    public long SyncTicks { get; private set; }

    public long PersistedEntries { get; private set; }

    public long MessagesSent { get; private set; }

    public long WireBytesSent { get; private set; }

    public long CodecTicks { get; private set; }

    public long Refused { get; private set; }

    public void Connect(NodeRuntime[] peers) => _peers = peers;

    public void Start() => _thread.Start();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        var reader = Inbox.Reader;
        try
        {
            Publish();
            while (true)
            {
                if (!reader.TryRead(out var input))
                {
                    var wait = reader.WaitToReadAsync();
                    if (!(wait.IsCompleted ? wait.Result : wait.AsTask().GetAwaiter().GetResult()))
                    {
                        break;
                    }

                    continue;
                }

                var stop = false;
                var publish = false;
                var drained = 0;
                do
                {
                    switch (input.Kind)
                    {
                        case InputKind.Tick:
                            _node.Tick();
                            publish = true;
                            break;
                        case InputKind.Message:
                            _node.Step((IProtocolMessage)input.Payload!);
                            break;
                        case InputKind.Wire:
                            var wire = (WireMessage)input.Payload!;
                            var t0 = Stopwatch.GetTimestamp();
                            var message = _codec.Decode(wire.Buffer.AsSpan(0, wire.Length));
                            CodecTicks += Stopwatch.GetTimestamp() - t0;
                            ArrayPool<byte>.Shared.Return(wire.Buffer);
                            _node.Step(message);
                            break;
                        case InputKind.Propose:
                            Propose((Proposal)input.Payload!);
                            break;
                        case InputKind.Stop:
                            stop = true;
                            break;
                    }
                }
                while (!stop && ++drained < MaxDrain && reader.TryRead(out input));

                Loops++;
                publish |= ProcessReady();
                if (publish)
                {
                    Publish();
                }

                if (stop)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            Failure = e;
            _role = (int)ConsensusRole.Follower;
        }
        finally
        {
            foreach (var p in _pending.Values)
            {
                p.Done.TrySetResult(-1);
            }

            _pending.Clear();
            FailQueuedProposals();
        }
    }

    private void FailQueuedProposals()
    {
        while (Inbox.Reader.TryRead(out var input))
        {
            if (input.Kind == InputKind.Propose)
            {
                ((Proposal)input.Payload!).Done.TrySetResult(-1);
            }
        }
    }

    private void Propose(Proposal p)
    {
        var result = _node.Propose(p.Command);
        if (!result.Accepted)
        {
            Refused++;
            p.Done.TrySetResult(-1);
            return;
        }

        p.Term = result.Term;
        _pending[result.Index] = p;
    }

    /// <summary>Handles every Ready through the driver; true when the hard state changed (the published role or term may have).</summary>
    private bool ProcessReady()
    {
        _hardStateChanged = false;
        var drain = _driver.Drain();
        if (drain.Outcome == ReadyDrainOutcome.Failed)
        {
            throw new InvalidOperationException($"{_node.Id} failed in {drain.Phase}", drain.Exception);
        }

        return _hardStateChanged;
    }

    /// <inheritdoc />
    public bool Continue(ReadyStage stage, Ready? ready, int index)
    {
        switch (stage)
        {
            case ReadyStage.Received:
                Readies++;
                _hardStateChanged |= !ready!.HardState.IsEmpty;
                PersistedEntries += ready.Entries.Count;
                break;
            case ReadyStage.Written:
                _syncStart = Stopwatch.GetTimestamp();
                break;
            case ReadyStage.Synced when ready!.MustSync:
                SyncTicks += Stopwatch.GetTimestamp() - _syncStart;
                Syncs++;
                break;
            case ReadyStage.Delivered:
                CompleteApplied();
                break;
        }

        return true;
    }

    /// <inheritdoc />
    public void Restore(Snapshot snapshot) => InstallStateMachine(snapshot);

    /// <inheritdoc />
    public void ServeRead(ReadState read)
    {
        // The benchmark issues no ReadIndex.
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex)
    {
        SnapshotsTaken++;
        return EncodeStateMachine();
    }

    /// <inheritdoc />
    public void Send(IProtocolMessage message)
    {
        var to = message.To.Value - 1;
        if ((uint)to >= (uint)_peers.Length)
        {
            return;
        }

        MessagesSent++;
        var target = _peers[to].Inbox.Writer;
        if (_transport == TransportMode.Object)
        {
            target.TryWrite(new Input(InputKind.Message, message));
            return;
        }

        var t0 = Stopwatch.GetTimestamp();
        _wire.ResetWrittenCount();
        _codec.Encode(message, _wire);
        // The bytes travel in a pooled buffer, as a socket transport's send buffer would: the copy is counted, no garbage is made.
        var length = _wire.WrittenCount;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        _wire.WrittenSpan.CopyTo(buffer);
        CodecTicks += Stopwatch.GetTimestamp() - t0;
        WireBytesSent += length;
        target.TryWrite(new Input(InputKind.Wire, new WireMessage(buffer, length)));
    }

    /// <inheritdoc />
    public void Apply(LogEntry e)
    {
        if (e.Index != AppliedIndex + 1)
        {
            GapViolations++;
        }

        var h = Hash;
        h = MixWord(h, (ulong)e.Index);
        h = MixWord(h, (ulong)e.Term);
        h = MixWord(h, (ulong)e.Kind);
        h = Mix(h, e.Data.Span);
        Hash = h;
        AppliedIndex = e.Index;
        if ((e.Index & 4095) == 0)
        {
            Checkpoints[e.Index] = h;
        }

        if (e.Kind == EntryKind.Command)
        {
            AppliedCommands++;
            if (e.Data.Length >= 12)
            {
                var pid = BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span);
                var seq = BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span[4..]);
                if ((uint)pid < (uint)_lastSeq.Length)
                {
                    if (seq <= _lastSeq[pid])
                    {
                        OrderViolations++;
                    }

                    _lastSeq[pid] = seq;
                }
            }
        }

        if (_pending.Count > 0 && _pending.Remove(e.Index, out var p))
        {
            if (p.Term == e.Term)
            {
                _completed.Add(p);
            }
            else
            {
                p.Done.TrySetResult(-1); // another leader's entry took its place
            }
        }
    }

    /// <summary>Completes the proposers whose entries this Ready applied, and publishes the applied index.</summary>
    private void CompleteApplied()
    {
        if (_completed.Count > 0)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var p in _completed)
            {
                p.Done.TrySetResult(now);
            }

            _completed.Clear();
        }

        Volatile.Write(ref _publishedApplied, AppliedIndex);
    }

    /// <summary>The state machine's snapshot: applied index, command count and running hash.</summary>
    private byte[] EncodeStateMachine()
    {
        var data = new byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(data, AppliedIndex);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8), AppliedCommands);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16), Hash);
        return data;
    }

    private void InstallStateMachine(Snapshot snapshot)
    {
        var data = snapshot.Data.Span;
        var index = BinaryPrimitives.ReadInt64LittleEndian(data);
        if (index != snapshot.Index)
        {
            throw new InvalidOperationException($"Snapshot data says index {index}, the snapshot {snapshot.Index}.");
        }

        AppliedIndex = index;
        AppliedCommands = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        Hash = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        _lastSeq = new long[_lastSeq.Length]; // per-proposer order checks restart after an installed snapshot
        SnapshotsInstalled++;
        Volatile.Write(ref _publishedApplied, AppliedIndex);
    }

    private void Publish()
    {
        var status = _node.Status;
        Volatile.Write(ref _term, status.Term);
        _leader = status.Leader.Value;
        _role = (int)status.Role;
        Volatile.Write(ref _publishedCommit, status.Commit);
    }

    private static ulong MixWord(ulong h, ulong w) => BitOperations.RotateLeft((h ^ w) * 0x9E3779B97F4A7C15UL, 29);

    private static ulong Mix(ulong h, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var w in words)
        {
            h = MixWord(h, w);
        }

        for (var i = words.Length * 8; i < data.Length; i++)
        {
            h = MixWord(h, data[i]);
        }

        return MixWord(h, (ulong)data.Length);
    }
}
