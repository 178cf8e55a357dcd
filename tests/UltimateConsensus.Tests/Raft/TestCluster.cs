using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Storage.Consensus;
using Kernel.Storage.Tests;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Raft;

/// <summary>
/// A minimal in-memory network for driving Raft nodes: it takes every node's Ready, checks that messages never run ahead
/// of what the node persisted, optionally writes the Ready to a real <see cref="WalStorage"/>, and delivers messages in FIFO
/// order, dropping those the test filters out. No virtual time beyond explicit ticks.
/// </summary>
internal sealed class TestCluster
{
    private readonly Func<RaftOptions> _options;
    private readonly Dictionary<NodeId, Persisted> _persisted = [];
    private readonly Dictionary<NodeId, MemoryDirectory> _directories = [];
    private readonly Dictionary<NodeId, WalStorage> _storage = [];
    private readonly Queue<IProtocolMessage> _queue = new();
    private int _seed;

    public TestCluster(int voters, RaftOptions? options = null, int seed = 1, bool wal = false, long segmentBytes = 4096)
    {
        var opts = options ?? new RaftOptions();
        _options = () => opts;
        _seed = seed;
        UseWal = wal;
        SegmentBytes = segmentBytes;
        Membership = new Membership(Enumerable.Range(1, voters).Select(i => new NodeId(i)));
        foreach (var id in Membership.Voters)
        {
            Start(id, Membership);
        }
    }

    public bool UseWal { get; }

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
        RecoveredState recovered = RecoveredState.Empty;
        if (UseWal)
        {
            if (!_directories.TryGetValue(id, out var dir))
            {
                dir = new MemoryDirectory();
                _directories[id] = dir;
            }

            var storage = WalStorage.Open(dir, SegmentBytes);
            _storage[id] = storage;
            recovered = storage.Recovered;
        }

        var node = new RaftNode(id, initial, recovered, new Random(_seed++), _options());
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
            var ready = node.GetReady();
            ready.WriteTo(_storage[nodeId]);
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
                while (node.HasReady)
                {
                    Process(node, node.GetReady());
                    moved = true;
                }
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
        var ready = node.GetReady();
        Process(node, ready, deliver: false);
        return ready;
    }

    public void Deliver(IEnumerable<IProtocolMessage> messages)
    {
        foreach (var m in messages)
        {
            Nodes[m.To].Step(m);
        }
    }

    public ProposeResult Propose(string command) => Leader!.Propose(System.Text.Encoding.UTF8.GetBytes(command));

    private void Process(RaftNode node, Ready ready, bool deliver = true)
    {
        Readies.Add((node.Id, ready));
        var persisted = _persisted[node.Id];
        persisted.Apply(ready);
        if (UseWal)
        {
            var storage = _storage[node.Id];
            ready.WriteTo(storage);
            storage.Sync();
        }

        foreach (var m in ready.Messages)
        {
            persisted.CheckMessage(m);
            Sent.Add(m);
            if (deliver && !Isolated.Contains(m.From) && !Isolated.Contains(m.To) && !Drop(m))
            {
                _queue.Enqueue(m);
                if (Duplicate(m))
                {
                    _queue.Enqueue(m);
                }
            }
        }

        if (ready.Snapshot is not null)
        {
            Applied[node.Id].Clear();
        }

        Applied[node.Id].AddRange(ready.CommittedEntries);
        ReadStates[node.Id].AddRange(ready.ReadStates);
        node.Advance(ready);
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
