using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Runtime;
using Kernel.Storage.Consensus;
using Kernel.Storage.Tests;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Raft;

/// <summary>
/// A minimal in-memory network for driving Raft nodes: every node's output runs through the SDK's one
/// <see cref="ReadyDriver"/> over a real <see cref="WalStorage"/> on an in-memory directory; the cluster checks that messages
/// never run ahead of what the node persisted, and delivers messages in FIFO order, dropping those the test filters out.
/// No virtual time beyond explicit ticks.
/// </summary>
internal sealed class TestCluster
{
    private readonly Func<RaftOptions> _options;
    private readonly Dictionary<NodeId, Persisted> _persisted = [];
    private readonly Dictionary<NodeId, MemoryDirectory> _directories = [];
    private readonly Dictionary<NodeId, WalStorage> _storage = [];
    private readonly Dictionary<NodeId, Handler> _handlers = [];
    private readonly Dictionary<NodeId, ReadyDriver> _drivers = [];
    private readonly Queue<IProtocolMessage> _queue = new();
    private int _seed;

    public TestCluster(int voters, RaftOptions? options = null, int seed = 1, long segmentBytes = 4096)
    {
        var opts = options ?? new RaftOptions();
        _options = () => opts;
        _seed = seed;
        SegmentBytes = segmentBytes;
        Membership = new Membership(Enumerable.Range(1, voters).Select(i => new NodeId(i)));
        foreach (var id in Membership.Voters)
        {
            Start(id, Membership);
        }
    }

    public long SegmentBytes { get; }

    public Membership Membership { get; }

    public SortedDictionary<NodeId, RaftNode> Nodes { get; } = [];

    /// <summary>Every entry each node handed out for applying (reset by a snapshot install).</summary>
    public Dictionary<NodeId, List<LogEntry>> Applied { get; } = [];

    public Dictionary<NodeId, List<ReadState>> ReadStates { get; } = [];

    /// <summary>Every message sent, in order (dropped ones included).</summary>
    public List<IProtocolMessage> Sent { get; } = [];

    public List<(NodeId Node, Ready Ready)> Readies { get; } = [];

    /// <summary>Return true to drop a message.</summary>
    public Func<IProtocolMessage, bool> Drop { get; set; } = _ => false;

    public HashSet<NodeId> Isolated { get; } = [];

    /// <summary>Return true to deliver a message twice.</summary>
    public Func<IProtocolMessage, bool> Duplicate { get; set; } = _ => false;

    public RaftNode this[int id] => Nodes[new NodeId(id)];

    public MemoryDirectory Directory(int id) => _directories[new NodeId(id)];

    public RaftNode Start(NodeId id, Membership initial)
    {
        if (!_directories.TryGetValue(id, out var dir))
        {
            dir = new MemoryDirectory();
            _directories[id] = dir;
        }

        var storage = WalStorage.Open(dir, SegmentBytes);
        _storage[id] = storage;
        var recovered = storage.Recovered;
        var node = new RaftNode(id, initial, recovered, new Random(_seed++), _options());
        var handler = new Handler(this, node);
        _handlers[id] = handler;
        _drivers[id] = new ReadyDriver(node, storage, handler, null);
        Nodes[id] = node;
        Applied[id] = recovered.Snapshot is null ? [] : [];
        ReadStates[id] = [];
        _persisted[id] = new Persisted(recovered);
        return node;
    }

    /// <summary>Stops a node (losing unsynced WAL bytes, torn when <paramref name="tear"/> is given) and starts it again from its WAL.</summary>
    public RaftNode Restart(int id, Random? tear = null)
    {
        var nodeId = new NodeId(id);
        var node = Nodes[nodeId];
        if (node.HasReady)
        {
            // Crash in the middle of persisting a Ready: written, not synced, messages never sent.
            Drive(nodeId, single: true, deliver: false, crashAfterWrites: true);
        }

        _storage[nodeId].Dispose();
        _directories[nodeId].Crash(tear);
        return Start(nodeId, Membership);
    }

    public RaftNode? Leader
    {
        get
        {
            var leaders = Nodes.Values.Where(n => n.Status.Role == ConsensusRole.Leader && !Isolated.Contains(n.Id)).ToList();
            return leaders.Count == 0 ? null : leaders.MaxBy(n => n.Term);
        }
    }

    public void Tick(int ticks = 1)
    {
        for (var t = 0; t < ticks; t++)
        {
            foreach (var node in Nodes.Values)
            {
                node.Tick();
            }

            Stabilize();
        }
    }

    /// <summary>Ticks until some node leads, at most <paramref name="maxTicks"/>.</summary>
    public RaftNode TickUntilLeader(int maxTicks = 500)
    {
        for (var t = 0; t < maxTicks; t++)
        {
            Tick();
            if (Leader is { } leader)
            {
                return leader;
            }
        }

        throw new InvalidOperationException("No leader elected.");
    }

    public RaftNode Elect(int id)
    {
        this[id].Hup();
        Stabilize();
        Assert.Equal(ConsensusRole.Leader, this[id].Status.Role);
        return this[id];
    }

    /// <summary>Processes Readies and delivers messages until nothing moves.</summary>
    public void Stabilize(int maxRounds = 10_000)
    {
        for (var round = 0; round < maxRounds; round++)
        {
            var moved = false;
            foreach (var node in Nodes.Values.ToArray())
            {
                moved |= Drive(node.Id, single: false, deliver: true, crashAfterWrites: false) > 0;
            }

            while (_queue.TryDequeue(out var m))
            {
                if (Nodes.TryGetValue(m.To, out var to))
                {
                    to.Step(m);
                }

                moved = true;
            }

            if (!moved)
            {
                return;
            }
        }

        throw new InvalidOperationException("The cluster did not stabilize.");
    }

    /// <summary>Takes one Ready of one node without delivering its messages (returned for inspection).</summary>
    public Ready TakeReady(RaftNode node)
    {
        Assert.True(node.HasReady, $"{node.Id} has no Ready to take");
        Drive(node.Id, single: true, deliver: false, crashAfterWrites: false);
        return _handlers[node.Id].Last!;
    }

    public void Deliver(IEnumerable<IProtocolMessage> messages)
    {
        foreach (var m in messages)
        {
            Nodes[m.To].Step(m);
        }
    }

    public ProposeResult Propose(string command) => Leader!.Propose(System.Text.Encoding.UTF8.GetBytes(command));

    /// <summary>Runs the node's output through its driver: every batch, or one; delivering its messages or not.</summary>
    private int Drive(NodeId id, bool single, bool deliver, bool crashAfterWrites)
    {
        var node = Nodes[id];
        if (!ReferenceEquals(_handlers[id].Node, node))
        {
            // A test put a node of its own making in (from a recovered state it wrote by hand): it writes to a WAL of its own.
            var storage = WalStorage.Open(new MemoryDirectory(), SegmentBytes);
            _handlers[id] = new Handler(this, node);
            _drivers[id] = new ReadyDriver(node, storage, _handlers[id], null);
        }

        var handler = _handlers[id];
        handler.Single = single;
        handler.Deliver = deliver;
        handler.CrashAfterWrites = crashAfterWrites;
        handler.Taken = 0;
        var drain = _drivers[id].Drain();
        if (drain.Outcome == ReadyDrainOutcome.Failed)
        {
            throw new InvalidOperationException($"{id} failed in {drain.Phase}", drain.Exception);
        }

        return drain.Batches;
    }

    /// <summary>The test cluster's side of a node's driver: records every Ready, checks messages against what was persisted, queues them.</summary>
    private sealed class Handler(TestCluster cluster, RaftNode node) : IConsensusReadyHandler
    {
        public RaftNode Node => node;

        public bool Single { get; set; }

        public bool Deliver { get; set; }

        public bool CrashAfterWrites { get; set; }

        public int Taken { get; set; }

        public Ready? Last { get; private set; }

        public bool Continue(ReadyStage stage, Ready? ready, int index)
        {
            switch (stage)
            {
                case ReadyStage.Next:
                    return !Single || Taken == 0;
                case ReadyStage.Received:
                    Taken++;
                    Last = ready;
                    cluster.Readies.Add((node.Id, ready!));
                    cluster._persisted[node.Id].Apply(ready!);
                    cluster.ReadStates[node.Id].AddRange(ready!.ReadStates);
                    return true;
                case ReadyStage.Written:
                    return !CrashAfterWrites;
                default:
                    return true;
            }
        }

        public void Send(IProtocolMessage m)
        {
            cluster._persisted[node.Id].CheckMessage(m);
            cluster.Sent.Add(m);
            if (Deliver && !cluster.Isolated.Contains(m.From) && !cluster.Isolated.Contains(m.To) && !cluster.Drop(m))
            {
                cluster._queue.Enqueue(m);
                if (cluster.Duplicate(m))
                {
                    cluster._queue.Enqueue(m);
                }
            }
        }

        public void Restore(Snapshot snapshot) => cluster.Applied[node.Id].Clear();

        public void Apply(LogEntry entry) => cluster.Applied[node.Id].Add(entry);

        public void ServeRead(ReadState read)
        {
            // Read states are recorded as the node produced them (Received), served or not.
        }

        public ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex) => ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>What a node persisted according to its Readies: used to check persistence before acknowledgement.</summary>
    private sealed class Persisted
    {
        private readonly List<LogEntry> _log = [];
        private long _snapshotIndex;
        private HardState _hardState;

        public Persisted(RecoveredState recovered)
        {
            _hardState = HardState.Decode(recovered.HardState.Span);
            _snapshotIndex = recovered.Snapshot?.Index ?? 0;
            _log.AddRange(recovered.Entries);
        }

        public void Apply(Ready ready)
        {
            if (!ready.HardState.IsEmpty)
            {
                _hardState = HardState.Decode(ready.HardState.Span);
            }

            if (ready.Snapshot is { } s)
            {
                _snapshotIndex = s.Index;
                _log.Clear();
            }

            if (ready.Entries.Count > 0)
            {
                var first = ready.Entries[0].Index;
                _log.RemoveAll(e => e.Index >= first);
                _log.AddRange(ready.Entries);
            }
        }

        public void CheckMessage(IProtocolMessage m)
        {
            switch (m)
            {
                case VoteResponse { PreVote: false, Granted: true } v:
                    Assert.True(_hardState.Term == v.Term && _hardState.Vote == v.To, $"vote grant {v} sent before the vote was persisted ({_hardState})");
                    break;
                case VoteRequest { PreVote: false } v:
                    Assert.True(_hardState.Term == v.Term && _hardState.Vote == v.From, $"vote request {v} sent before the self-vote was persisted ({_hardState})");
                    break;
                case AppendResponse { Success: true } a:
                    Assert.True(_hardState.Term >= a.Term, $"append ack {a} sent before term {a.Term} was persisted");
                    var last = _log.Count > 0 ? _log[^1].Index : _snapshotIndex;
                    Assert.True(a.Index <= Math.Max(last, _snapshotIndex), $"append ack {a} for entries not persisted (persisted up to {last})");
                    break;
            }
        }
    }
}
