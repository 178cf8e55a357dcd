using System.Buffers;
using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// N nodes of one <see cref="IConsensusStrategy"/> or one <see cref="IReplicationStrategy"/> in one process, in virtual
/// time: a discrete-event loop over (time, sequence number), one seeded generator, a simulated network (delay, loss,
/// duplication, partitions) and a simulated disk per node. Nothing runs unless <see cref="RunFor"/> or <see cref="RunUntil"/> is called; no threads,
/// tasks or clocks are involved, so the same strategy, options and seed always give the same <see cref="TraceHash"/>.
/// <para>
/// Each node runs the runtime loop a real one would: after every input, while the node has a <see cref="Ready"/>,
/// persist its hard state, snapshot and entries (sync when asked), send its messages through the strategy's codec,
/// apply its committed entries to a key-value state machine, serve its read states once applied, then advance.
/// Invariants (one leader per term, no divergent applied entries, applied prefix never shrinks) are checked as it runs.
/// </para>
/// <para>
/// A replication cluster (<see cref="Create(IReplicationStrategy, SimulationOptions?)"/>) has the same network, disks,
/// crashes, pauses and clock drift, but each node hosts an <see cref="IReplicaNode"/>, created from its disk at every
/// (re)start, and runs the replica loop: after every input, while it has a <see cref="ReplicaReady"/>, replace each of its
/// files atomically (<see cref="SimDirectory.WriteAtomic"/>), then send its messages, then hand its responses to the
/// clients, then advance. Client requests enter through <see cref="Submit"/>. It has no log, so the consensus members
/// (<see cref="Propose"/>, <see cref="ReadIndex"/>, leadership and membership) throw <see cref="InvalidOperationException"/>
/// there and the log invariants do not apply.
/// </para>
/// Scenario tests drive it directly: <see cref="Propose"/>, <see cref="Partition"/>, <see cref="Crash"/>,
/// <see cref="Restart"/>, <see cref="RunUntil"/>, and inspect <see cref="Status"/>, <see cref="AppliedEntries"/> and <see cref="Counters"/>.
/// </summary>
public sealed partial class SimCluster
{
    private readonly IConsensusStrategy? _strategy;
    private readonly IReplicationStrategy? _replication;
    private readonly IMessageCodec _codec;
    private readonly SimulationOptions _options;
    private readonly SimNode[] _nodes;
    private readonly Membership _membership;
    private readonly PriorityQueue<SimEvent, EventKey> _queue = new();
    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private readonly bool[,] _blocked;
    private readonly bool[] _disconnected;
    private readonly long[,] _linkMessages;
    private readonly long[,] _linkBytes;
    private readonly Dictionary<long, NodeId> _leaders = [];
    private readonly Dictionary<long, ulong> _appliedAt = [];
    private readonly List<Violation> _violations = [];
    private readonly long _tick;
    private long _now;
    private long _seq;
    private bool _reliable = true;
    private bool _longReordering;

    /// <summary>Creates a cluster with the default options and starts every node on an empty disk (no virtual time passes).</summary>
    public static SimCluster Create(IConsensusStrategy strategy) => new(strategy, new SimulationOptions());

    /// <summary>Creates a cluster and starts every node on an empty disk (no virtual time passes); null options are the defaults.</summary>
    public static SimCluster Create(IConsensusStrategy strategy, SimulationOptions? options) => new(strategy, options ?? new SimulationOptions());

    /// <summary>Creates a cluster of replicas with the default options and starts every one on an empty disk (no virtual time passes).</summary>
    public static SimCluster Create(IReplicationStrategy strategy) => new(strategy, new SimulationOptions());

    /// <summary>Creates a cluster of replicas and starts every one on an empty disk (no virtual time passes); null options are the defaults.</summary>
    public static SimCluster Create(IReplicationStrategy strategy, SimulationOptions? options) => new(strategy, options ?? new SimulationOptions());

    internal SimCluster(IConsensusStrategy strategy, SimulationOptions options)
        : this(strategy, null, options)
    {
    }

    internal SimCluster(IReplicationStrategy strategy, SimulationOptions options)
        : this(null, strategy, options)
    {
    }

    private SimCluster(IConsensusStrategy? consensus, IReplicationStrategy? replication, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(consensus ?? (IStrategy?)replication, "strategy");
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _strategy = consensus;
        _replication = replication;
        _codec = consensus?.Codec ?? replication!.Codec;
        _options = options;
        Random = new SimRandom(unchecked((ulong)options.Seed));
        Trace = new TraceRecorder(options.Trace);
        _tick = Math.Max(1, (long)options.TickInterval.TotalMicroseconds);
        _nodes = new SimNode[options.Nodes + 1];
        _blocked = new bool[options.Nodes + 1, options.Nodes + 1];
        _disconnected = new bool[options.Nodes + 1];
        _linkMessages = new long[options.Nodes + 1, options.Nodes + 1];
        _linkBytes = new long[options.Nodes + 1, options.Nodes + 1];
        for (var i = 1; i <= options.Nodes; i++)
        {
            _nodes[i] = new SimNode(i, new SimDirectory("n" + i.ToString(CultureInfo.InvariantCulture)));
        }

        _membership = new Membership(_nodes.Skip(1).Select(n => n.Id));
        Nodes = _membership.Voters;
        DropRate = 0;
        DuplicateRate = 0;
        LongDelayProbability = options.LongDelayProbability;
        LongDelayMax = (long)options.LongDelayMax.TotalMicroseconds;
        for (var i = 1; i <= options.Nodes; i++)
        {
            StartNode(_nodes[i]);
        }
    }

    /// <summary>The node ids, n1..nN.</summary>
    public IReadOnlyList<NodeId> Nodes { get; }

    /// <summary>The seed of the run.</summary>
    public long Seed => _options.Seed;

    /// <summary>Virtual time since the cluster was created.</summary>
    public TimeSpan Now => TimeSpan.FromMicroseconds(_now);

    /// <summary>Violations found so far.</summary>
    public IReadOnlyList<Violation> Violations => _violations;

    /// <summary>SHA-256 (hex) of the event trace so far: equal for equal strategy, options and seed.</summary>
    public string TraceHash => Trace.Hash();

    /// <summary>Events processed so far.</summary>
    public long EventCount => Trace.Events;

    /// <summary>Counters summed over every node.</summary>
    public NodeCounters TotalCounters => _nodes.Skip(1).Aggregate(default(NodeCounters), (sum, n) => sum + n.Counters);

    /// <summary>What the replication strategy promises, or null on a consensus cluster.</summary>
    public ReplicationGuarantee? Guarantee => _replication?.Guarantee;

    internal SimulationOptions Options => _options;

    /// <summary>True when the nodes are replicas of a replication strategy.</summary>
    internal bool IsReplication => _replication is not null;

    internal SimRandom Random { get; }

    internal TraceRecorder Trace { get; }

    internal long NowMicros => _now;

    internal bool Stopped => _options.StopOnViolation && _violations.Count > 0;

    internal double DropRate { get; set; }

    internal double DuplicateRate { get; set; }

    internal double LongDelayProbability { get; set; }

    internal long LongDelayMax { get; set; }

    internal DiskCrashMode CrashMode => _options.Faults.HasFlag(SimFaults.Disk) ? DiskCrashMode.Tear : DiskCrashMode.LoseUnsynced;

    /// <summary>Called when a node applies a key-value request: node, index, entry hash, request, result.</summary>
    internal Action<SimNode, long, ulong, KvRequest, KvResult>? Applied { get; set; }

    /// <summary>Called when a node serves a read state: node, context.</summary>
    internal Action<SimNode, ReadOnlyMemory<byte>>? ReadServed { get; set; }

    /// <summary>Called when a replica answers a client request: node, request id, result.</summary>
    internal Action<SimNode, long, KvResult>? Responded { get; set; }

    internal IReadOnlyList<SimNode> AllNodes => _nodes.Skip(1).ToArray();

    // ---------------------------------------------------------------- running

    /// <summary>Runs the event loop for <paramref name="duration"/> of virtual time (stops early on a violation when asked to).</summary>
    public void RunFor(TimeSpan duration)
    {
        var end = _now + (long)duration.TotalMicroseconds;
        while (!Stopped && _queue.TryPeek(out _, out var key) && key.Time <= end)
        {
            Step();
        }

        if (!Stopped)
        {
            _now = Math.Max(_now, end);
        }
    }

    /// <summary>
    /// Runs until <paramref name="condition"/> holds (checked before every event) or <paramref name="limit"/> of virtual
    /// time has passed; returns whether it held.
    /// </summary>
    public bool RunUntil(Func<SimCluster, bool> condition, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var end = _now + (long)limit.TotalMicroseconds;
        while (true)
        {
            if (condition(this))
            {
                return true;
            }

            if (Stopped || !_queue.TryPeek(out _, out var key) || key.Time > end)
            {
                if (!Stopped)
                {
                    _now = Math.Max(_now, end);
                }

                return condition(this);
            }

            Step();
        }
    }

    private void Step()
    {
        _queue.TryDequeue(out var e, out var key);
        _now = key.Time;
        switch (e.Kind)
        {
            case EventKind.Tick:
                OnTick(_nodes[e.Node], e.Gen);
                break;
            case EventKind.Deliver:
                OnDeliver(e);
                break;
            default:
                ((Action)e.Payload!)();
                break;
        }
    }

    internal void Schedule(long at, SimEvent e) => _queue.Enqueue(e, new EventKey(Math.Max(at, _now), _seq++));

    /// <summary>Runs <paramref name="action"/> at virtual time now + <paramref name="delay"/> (microseconds).</summary>
    internal void After(long delay, Action action) => Schedule(_now + delay, new SimEvent(EventKind.Callback, 0, 0, 0, action));

    // ---------------------------------------------------------------- network control

    /// <summary>Cuts every link to and from <paramref name="node"/>.</summary>
    public void Disconnect(NodeId node)
    {
        var i = IndexOf(node);
        _disconnected[i] = true;
        for (var j = 1; j < _nodes.Length; j++)
        {
            if (j != i)
            {
                _blocked[i, j] = true;
                _blocked[j, i] = true;
            }
        }

        Trace.Record(_now, TraceKind.Partition, i, "disconnect");
    }

    /// <summary>
    /// Restores the links between <paramref name="node"/> and every node that is not itself disconnected (as 6.5840's
    /// labrpc does); links between other nodes stay as they are.
    /// </summary>
    public void Connect(NodeId node)
    {
        var i = IndexOf(node);
        _disconnected[i] = false;
        for (var j = 1; j < _nodes.Length; j++)
        {
            if (!_disconnected[j])
            {
                _blocked[i, j] = false;
                _blocked[j, i] = false;
            }
        }

        Trace.Record(_now, TraceKind.Partition, i, "connect");
    }

    /// <summary>
    /// Splits the cluster: nodes talk only within their group; nodes named in no group are isolated.
    /// Replaces any earlier partition.
    /// </summary>
    public void Partition(params NodeId[][] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Array.Clear(_disconnected);
        var group = new int[_nodes.Length];
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var id in groups[g])
            {
                group[IndexOf(id)] = g + 1;
            }
        }

        for (var i = 1; i < _nodes.Length; i++)
        {
            for (var j = 1; j < _nodes.Length; j++)
            {
                _blocked[i, j] = i != j && (group[i] == 0 || group[i] != group[j]);
            }
        }

        Trace.Record(_now, TraceKind.Partition, 0, "partition " + string.Join(" | ", groups.Select(g => string.Join(",", g))));
    }

    /// <summary>Blocks the directed link <paramref name="from"/> → <paramref name="to"/> (a one-way partition).</summary>
    public void Block(NodeId from, NodeId to)
    {
        _blocked[IndexOf(from), IndexOf(to)] = true;
        Trace.Record(_now, TraceKind.Partition, IndexOf(from), "block ->" + to);
    }

    /// <summary>Unblocks the directed link <paramref name="from"/> → <paramref name="to"/>.</summary>
    public void Unblock(NodeId from, NodeId to)
    {
        _blocked[IndexOf(from), IndexOf(to)] = false;
        Trace.Record(_now, TraceKind.Partition, IndexOf(from), "unblock ->" + to);
    }

    /// <summary>True if messages from <paramref name="from"/> to <paramref name="to"/> are blocked.</summary>
    public bool IsBlocked(NodeId from, NodeId to) => _blocked[IndexOf(from), IndexOf(to)];

    /// <summary>Heals every partition.</summary>
    public void Heal()
    {
        Array.Clear(_blocked);
        Array.Clear(_disconnected);
        Trace.Record(_now, TraceKind.Partition, 0, "heal");
    }

    internal bool AnyBlocked()
    {
        foreach (var b in _blocked)
        {
            if (b)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reliable (the default): no loss. Unreliable, as in the MIT 6.5840 labs: 10% of messages lost and up to 27 ms extra delay.
    /// </summary>
    public void SetReliable(bool reliable)
    {
        _reliable = reliable;
        Trace.Record(_now, TraceKind.Partition, 0, reliable ? "reliable" : "unreliable");
    }

    /// <summary>When on, two messages in three are held back 200 ms to 2.2 s (skewed short, as in 6.5840's labrpc), so they arrive long after later ones.</summary>
    public void SetLongReordering(bool on)
    {
        _longReordering = on;
        Trace.Record(_now, TraceKind.Partition, 0, on ? "long-reordering on" : "long-reordering off");
    }

    /// <summary>Sets the probability that a message is lost and that it is delivered twice (beyond <see cref="SetReliable"/>).</summary>
    public void SetLossAndDuplication(double drop, double duplicate)
    {
        DropRate = Math.Clamp(drop, 0, 1);
        DuplicateRate = Math.Clamp(duplicate, 0, 1);
    }

    // ---------------------------------------------------------------- node control

    /// <summary>
    /// Crashes a node: it stops, its in-flight work is lost and its disk keeps what was durable (unsynced writes are
    /// lost, or torn when the options include <see cref="SimFaults.Disk"/>). Messages to it are dropped until <see cref="Restart"/>.
    /// </summary>
    public void Crash(NodeId node) => CrashNode(_nodes[IndexOf(node)], CrashMode, "crash");

    /// <summary>Restarts a crashed node from its disk (<c>OpenStorage</c>, then <c>CreateNode</c> with what was recovered).</summary>
    public void Restart(NodeId node)
    {
        var n = _nodes[IndexOf(node)];
        if (!n.Up)
        {
            StartNode(n);
        }
    }

    /// <summary>True if the node is running (paused counts as running).</summary>
    public bool IsUp(NodeId node) => _nodes[IndexOf(node)].Up;

    /// <summary>Pauses a node for <paramref name="duration"/>: it neither ticks nor processes; its input waits in a queue.</summary>
    public void Pause(NodeId node, TimeSpan duration)
    {
        var n = _nodes[IndexOf(node)];
        if (!n.Up || n.Paused)
        {
            return;
        }

        n.Paused = true;
        n.TickGeneration++;
        var incarnation = n.Incarnation;
        Trace.Record(_now, TraceKind.Pause, n.Index, (long)duration.TotalMicroseconds, 0);
        Trace.Line(_now, TraceKind.Pause, n.Index, duration.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + "ms");
        After((long)duration.TotalMicroseconds, () =>
        {
            if (n.Incarnation == incarnation)
            {
                Resume(n);
            }
        });
    }

    /// <summary>Makes a node's clock run <paramref name="drift"/> slow (positive) or fast (negative), e.g. 0.05 = ticks 5% further apart.</summary>
    public void SetClockDrift(NodeId node, double drift)
    {
        var n = _nodes[IndexOf(node)];
        n.Drift = Math.Clamp(drift, -0.5, 0.5);
        Trace.Record(_now, TraceKind.Nemesis, n.Index, (long)(n.Drift * 1e6), 0);
        Trace.Line(_now, TraceKind.Nemesis, n.Index, "clock drift " + n.Drift.ToString("F3", CultureInfo.InvariantCulture));
    }

    /// <summary>Proposes a command at a node and processes what follows (its Ready); a down node refuses.</summary>
    public ProposeResult Propose(NodeId node, ReadOnlyMemory<byte> command) =>
        Drive(node, "Propose", x => x.Propose(command), static why => ProposeResult.Refused(why), (n, result) =>
        {
            Trace.Record(_now, TraceKind.Propose, n.Index, result.Accepted ? result.Index : -1, result.Term, command.Span);
            if (Trace.TextEnabled)
            {
                Trace.Line(_now, TraceKind.Propose, n.Index, result.Accepted ? $"accepted index {result.Index} term {result.Term}" : $"refused ({result.Reason}) leader {result.LeaderHint}");
            }
        });

    /// <summary>Asks a node for a linearizable read point; the read state shows in <see cref="ServedReads"/> once applied.</summary>
    public bool ReadIndex(NodeId node, ReadOnlyMemory<byte> context) =>
        Drive(node, "ReadIndex", x => x.ReadIndex(context), static _ => false, null);

    /// <summary>Proposes a membership change on a node (normally the leader) and processes what it produces.</summary>
    public ProposeResult ProposeMembershipChange(NodeId node, MembershipChange change) =>
        Drive(node, "ProposeMembershipChange", x => x.ProposeMembershipChange(change), static why => ProposeResult.Refused(why), (n, result) =>
        {
            Trace.Record(_now, TraceKind.Membership, n.Index, result.Accepted ? result.Index : -1, ((long)change.Kind << 32) | (uint)change.Node.Value);
            if (Trace.TextEnabled)
            {
                Trace.Line(_now, TraceKind.Membership, n.Index, $"{change.Kind} {change.Node}: " + (result.Accepted ? $"accepted index {result.Index}" : $"refused ({result.Reason})"));
            }
        });

    /// <summary>Asks a node (normally the leader) to hand leadership to <paramref name="target"/>.</summary>
    public bool TransferLeadership(NodeId node, NodeId target) =>
        Drive(node, "TransferLeadership", x => x.TransferLeadership(target), static _ => false,
            (n, ok) => Trace.Record(_now, TraceKind.Transfer, n.Index, ok ? 1 : 0, target.Value, ReadOnlySpan<byte>.Empty));

    /// <summary>
    /// Calls a running consensus node from outside (a test or the nemesis), records the call, then processes the node's
    /// output. A down or paused node gets no call; a node that throws is reported and crashed.
    /// </summary>
    private T Drive<T>(NodeId node, string what, Func<IConsensusNode, T> call, Func<string, T> refused, Action<SimNode, T>? record)
    {
        RequireConsensus();
        var n = _nodes[IndexOf(node)];
        if (!n.Up || n.Paused)
        {
            return refused(n.Up ? "node is paused" : "node is down");
        }

        T result;
        try
        {
            result = call(n.Node!);
        }
        catch (Exception ex)
        {
            NodeThrew(n, what, ex);
            return refused("node crashed");
        }

        record?.Invoke(n, result);
        ProcessReady(n);
        return result;
    }

    /// <summary>The node's status, or null when it is down (always null on a replication cluster).</summary>
    public ConsensusStatus? Status(NodeId node) => _nodes[IndexOf(node)].Node?.Status;

    /// <summary>The running node a strategy-specific test may inspect, or null when down.</summary>
    public IConsensusNode? GetNode(NodeId node) => _nodes[IndexOf(node)].Node;

    /// <summary>The leader of the highest term among running nodes that think they lead, or <see cref="NodeId.None"/> (always on a replication cluster).</summary>
    public NodeId Leader()
    {
        var best = NodeId.None;
        long term = -1;
        foreach (var n in _nodes.Skip(1))
        {
            if (n.Node?.Status is { Role: ConsensusRole.Leader } s && s.Term > term)
            {
                best = n.Id;
                term = s.Term;
            }
        }

        return best;
    }

    /// <summary>Index of the last entry the node applied to its state machine (a restored snapshot counts).</summary>
    public long AppliedIndex(NodeId node) => _nodes[IndexOf(node)].Applied;

    /// <summary>Every entry the node applied one by one since the cluster was created, restarts included (when recorded).</summary>
    public IReadOnlyList<LogEntry> AppliedEntries(NodeId node) => _nodes[IndexOf(node)].AppliedLog;

    /// <summary>
    /// How many nodes applied an entry at <paramref name="index"/> (as in 6.5840's nCommitted) and its payload;
    /// the simulator has already recorded a violation if two of them differ.
    /// </summary>
    public int CommittedCount(long index, out ReadOnlyMemory<byte> command)
    {
        command = default;
        var count = 0;
        foreach (var n in _nodes.Skip(1))
        {
            foreach (var e in n.AppliedLog)
            {
                if (e.Index == index)
                {
                    command = e.Data;
                    count++;
                    break;
                }
            }
        }

        return count;
    }

    /// <summary>The value of <paramref name="key"/> in the node's key-value state machine.</summary>
    public string? StateMachineValue(NodeId node, string key) => _nodes[IndexOf(node)].StateMachine.Get(key);

    /// <summary>Read contexts the node served (its read index was applied), oldest first.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> ServedReads(NodeId node) => _nodes[IndexOf(node)].Served;

    /// <summary>The node's counters.</summary>
    public NodeCounters Counters(NodeId node) => _nodes[IndexOf(node)].Counters;

    /// <summary>Messages and bytes sent on the directed link <paramref name="from"/> → <paramref name="to"/>.</summary>
    public (long Messages, long Bytes) LinkCounters(NodeId from, NodeId to) =>
        (_linkMessages[IndexOf(from), IndexOf(to)], _linkBytes[IndexOf(from), IndexOf(to)]);

    /// <summary>The simulated disk of a node (to inspect it, or to corrupt it on purpose in a test).</summary>
    public SimDirectory Disk(NodeId node) => _nodes[IndexOf(node)].Disk;

    internal SimNode NodeAt(int index) => _nodes[index];

    internal int IndexOf(NodeId id) =>
        id.Value >= 1 && id.Value < _nodes.Length ? id.Value : throw new ArgumentOutOfRangeException(nameof(id), id, "No such node in the cluster.");

    // ---------------------------------------------------------------- node lifecycle

    private void StartNode(SimNode n)
    {
        if (_replication is not null)
        {
            StartReplica(n);
            return;
        }

        IConsensusStorage storage;
        RecoveredState recovered;
        try
        {
            storage = _strategy!.OpenStorage(n.Disk);
            recovered = storage.Recovered;
        }
        catch (Exception ex)
        {
            Violate(ViolationKinds.Crash, $"{n.Id} could not open its storage after restart: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        var covered = Math.Max(recovered.Snapshot?.Index ?? 0, recovered.Entries.Count > 0 ? recovered.Entries[^1].Index : 0);
        if (covered < n.MaxAppliedEver)
        {
            Violate(ViolationKinds.AppliedPrefix,
                $"{n.Id} had applied up to index {n.MaxAppliedEver} but recovered a log only up to {covered} after a crash (applied entries were not durable)", n.Index);
        }

        try
        {
            n.Node = _strategy.CreateNode(new ConsensusNodeOptions
            {
                Id = n.Id,
                InitialMembership = _membership,
                Recovered = recovered,
                Random = new DeterministicRandom(Random.Fork()),
                Options = _options.StrategyOptions ?? EmptyConfiguration.Instance,
            });
            n.Storage = storage;
            n.StateMachine = new KvStateMachine();
            if (recovered.Snapshot is { } snap)
            {
                n.StateMachine.Restore(snap.Data.Span);
            }

            n.Applied = recovered.Snapshot?.Index ?? 0;
            n.AppliedTerm = recovered.Snapshot?.Term ?? 0;
            n.LastSnapshotIndex = n.Applied;
        }
        catch (Exception ex)
        {
            n.Node = null;
            storage.Dispose();
            Violate(ViolationKinds.Crash, $"{n.Id} failed to start: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        n.Paused = false;
        n.TickGeneration++;
        Trace.Record(_now, TraceKind.Restart, n.Index, covered, n.Applied);
        Trace.Line(_now, TraceKind.Restart, n.Index, $"start: recovered snapshot {recovered.Snapshot?.Index ?? 0}, log to {covered}");
        Schedule(_now + Random.NextInt64(1, TickInterval(n) + 1), new SimEvent(EventKind.Tick, n.Index, 0, n.TickGeneration, null));
        ProcessReady(n);
    }

    /// <summary>
    /// Takes the node's next batch of output. False when there is none, when the node threw (reported), or when it keeps
    /// reporting output batch after batch (a livelock, reported and crashed).
    /// </summary>
    private bool NextReady<TReady>(SimNode n, ref int guard, Func<SimNode, bool> hasReady, Func<SimNode, TReady> getReady,
        [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TReady ready)
    {
        ready = default;
        try
        {
            if (!hasReady(n))
            {
                return false;
            }

            ready = getReady(n);
        }
        catch (Exception ex)
        {
            NodeThrew(n, "GetReady", ex);
            return false;
        }

        if (++guard > 10_000)
        {
            Violate(ViolationKinds.Crash, $"{n.Id} keeps reporting HasReady after 10000 batches in a row", n.Index);
            CrashNode(n, DiskCrashMode.KeepUnsynced, "livelock");
            return false;
        }

        return true;
    }

    internal static bool Matches(CrashTrigger trigger, Ready ready)
    {
        switch (trigger)
        {
            case CrashTrigger.HardStateOnly:
                return !ready.HardState.IsEmpty && ready.Entries.Count == 0;
            case CrashTrigger.Snapshot:
                return ready.Snapshot is not null;
            case CrashTrigger.Entries:
                return ready.Entries.Count > 0;
            case CrashTrigger.Membership:
                for (var i = 0; i < ready.Entries.Count; i++)
                {
                    if (ready.Entries[i].Kind == EntryKind.Membership)
                    {
                        return true;
                    }
                }

                for (var i = 0; i < ready.CommittedEntries.Count; i++)
                {
                    if (ready.CommittedEntries[i].Kind == EntryKind.Membership)
                    {
                        return true;
                    }
                }

                return false;
            default:
                return true;
        }
    }

    /// <summary>Crashes the node here if a crash is armed for this point of its Ready handling.</summary>
    internal bool StrikeArmedCrash(SimNode n, CrashPoint point)
    {
        if (n.ArmedCrash != point)
        {
            return false;
        }

        CrashNode(n, CrashMode, "armed crash " + point);
        return true;
    }

    internal void CrashNode(SimNode n, DiskCrashMode mode, string why)
    {
        if (!n.Up)
        {
            return;
        }

        try
        {
            n.Storage?.Dispose();
        }
        catch (Exception)
        {
            // A storage that cannot close after a crash is of no interest: the process is gone.
        }

        n.Node = null;
        n.Replica = null;
        n.Storage = null;
        n.Paused = false;
        n.ArmedCrash = null;
        n.TickGeneration++;
        n.Incarnation++;
        n.Inbox.Clear();
        n.PendingReads.Clear();
        n.Disk.Crash(mode, Random);
        Trace.Record(_now, TraceKind.Crash, n.Index, (long)mode, 0);
        Trace.Line(_now, TraceKind.Crash, n.Index, why + " (" + mode + ")");
    }

    internal void Resume(SimNode n)
    {
        if (!n.Up || !n.Paused)
        {
            return;
        }

        n.Paused = false;
        n.TickGeneration++;
        Trace.Record(_now, TraceKind.Resume, n.Index, n.Inbox.Count, 0);
        Trace.Line(_now, TraceKind.Resume, n.Index, n.Inbox.Count + " queued inputs");
        while (n.Inbox.Count > 0 && n.Up && !n.Paused)
        {
            var e = n.Inbox.Dequeue();
            if (e.Kind == EventKind.Deliver)
            {
                OnDeliver(e);
            }
            else
            {
                ((Action)e.Payload!)();
            }
        }

        if (n.Up && !n.Paused)
        {
            Schedule(_now + TickInterval(n), new SimEvent(EventKind.Tick, n.Index, 0, n.TickGeneration, null));
        }
    }

    /// <summary>Runs <paramref name="action"/> on the node now, or when it resumes if paused; never if it is down.</summary>
    internal void OnNode(SimNode n, Action action)
    {
        if (!n.Up)
        {
            return;
        }

        if (n.Paused)
        {
            n.Inbox.Enqueue(new SimEvent(EventKind.Callback, n.Index, 0, 0, action));
            return;
        }

        action();
    }

    internal long TickInterval(SimNode n) => Math.Max(1, (long)(_tick * (1 + n.Drift)));

    private void OnTick(SimNode n, long generation)
    {
        if (generation != n.TickGeneration || !n.Up || n.Paused)
        {
            return;
        }

        Trace.Record(_now, TraceKind.Tick, n.Index, 0, 0);
        try
        {
            if (n.Replica is { } replica)
            {
                replica.Tick();
            }
            else
            {
                n.Node!.Tick();
            }
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Tick", ex);
            return;
        }

        ProcessReady(n);
        if (n.Up && generation == n.TickGeneration)
        {
            Schedule(_now + TickInterval(n), new SimEvent(EventKind.Tick, n.Index, 0, generation, null));
        }
    }

    private void OnDeliver(SimEvent e)
    {
        var n = _nodes[e.Node];
        var from = _nodes[e.From];
        var bytes = (byte[])e.Payload!;
        if (!n.Up || _blocked[e.From, e.Node])
        {
            from.MessagesDropped++;
            Trace.Record(_now, TraceKind.Drop, e.Node, e.From, bytes.Length);
            return;
        }

        if (n.Paused)
        {
            n.Inbox.Enqueue(e);
            return;
        }

        IProtocolMessage message;
        try
        {
            message = _codec.Decode(bytes);
        }
        catch (Exception ex)
        {
            Violate(ViolationKinds.Crash, $"codec could not decode a {bytes.Length}-byte message from {from.Id} to {n.Id}: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        n.MessagesReceived++;
        n.BytesReceived += bytes.Length;
        Trace.Record(_now, TraceKind.Deliver, n.Index, e.From, 0, bytes);
        if (Trace.TextEnabled)
        {
            Trace.Line(_now, TraceKind.Deliver, n.Index, $"from {from.Id} {message}");
        }

        if (message.To != n.Id || message.From != from.Id)
        {
            Violate(ViolationKinds.Crash, $"codec round trip changed the addresses of a message {from.Id}->{n.Id} into {message.From}->{message.To}", n.Index);
            return;
        }

        try
        {
            if (n.Replica is { } replica)
            {
                replica.Step(message);
            }
            else
            {
                n.Node!.Step(message);
            }
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Step", ex);
            return;
        }

        ProcessReady(n);
    }

    internal void NodeThrew(SimNode n, string where, Exception ex)
    {
        Violate(ViolationKinds.Crash, $"{n.Id} threw in {where}: {ex.GetType().Name}: {ex.Message}", n.Index);
        CrashNode(n, DiskCrashMode.KeepUnsynced, "threw");
    }

    // ---------------------------------------------------------------- the runtime loop

    internal void ProcessReady(SimNode n)
    {
        if (n.Replica is not null)
        {
            ProcessReplicaReady(n);
            return;
        }

        var guard = 0;
        while (n.Up && !n.Paused)
        {
            var node = n.Node!;
            if (!NextReady(n, ref guard, static x => x.Node!.HasReady, static x => x.Node!.GetReady(), out var ready))
            {
                break; // nothing more, or the node threw or livelocked (then it is down)
            }

            // An armed crash that waits for another kind of Ready sits this one out.
            var waiting = n.ArmedCrash is not null && !Matches(n.ArmedTrigger, ready) ? n.ArmedCrash : null;
            if (waiting is not null)
            {
                n.ArmedCrash = null;
            }

            long delay = 0;
            try
            {
                var storage = n.Storage!;
                ready.WriteTo(storage); // snapshot, entries, then the hard state that may commit them

                if (StrikeArmedCrash(n, CrashPoint.BeforeSync))
                {
                    return;
                }

                if (ready.MustSync)
                {
                    storage.Sync();
                    delay = (long)_options.SyncLatency.TotalMicroseconds;
                }
            }
            catch (Exception ex)
            {
                NodeThrew(n, "storage", ex);
                return;
            }

            if (StrikeArmedCrash(n, CrashPoint.BeforeSend))
            {
                return;
            }

            var sendBeforeCrash = n.ArmedCrash == CrashPoint.MidSend ? Random.Next(ready.Messages.Count + 1) : -1;
            for (var i = 0; i < ready.Messages.Count; i++)
            {
                if (i == sendBeforeCrash && StrikeArmedCrash(n, CrashPoint.MidSend))
                {
                    return;
                }

                Send(n, ready.Messages[i], delay);
            }

            if (StrikeArmedCrash(n, CrashPoint.MidSend))
            {
                return;
            }

            if (ready.Snapshot is { } installed)
            {
                if (installed.Index < n.Applied)
                {
                    Violate(ViolationKinds.AppliedPrefix, $"{n.Id} installed a snapshot at {installed.Index} below its applied index {n.Applied}", n.Index);
                }

                try
                {
                    n.StateMachine.Restore(installed.Data.Span);
                }
                catch (FormatException ex)
                {
                    Violate(ViolationKinds.Crash, $"{n.Id} received a snapshot the state machine cannot read: {ex.Message}", n.Index);
                }

                n.Applied = installed.Index;
                n.AppliedTerm = installed.Term;
                n.LastSnapshotIndex = installed.Index;
                n.MaxAppliedEver = Math.Max(n.MaxAppliedEver, n.Applied);
                Trace.Record(_now, TraceKind.Apply, n.Index, installed.Index, -1);
            }

            var committed = ready.CommittedEntries;
            for (var i = 0; i < committed.Count; i++) // index loops: foreach over the interfaces would box enumerators
            {
                Apply(n, committed[i]);
            }

            for (var i = 0; i < ready.ReadStates.Count; i++)
            {
                n.PendingReads.Add(ready.ReadStates[i]);
            }

            ServeReads(n);
            if (StrikeArmedCrash(n, CrashPoint.BeforeAdvance))
            {
                return;
            }

            try
            {
                node.Advance(ready);
            }
            catch (Exception ex)
            {
                NodeThrew(n, "Advance", ex);
                return;
            }

            if (waiting is not null && n.Up)
            {
                n.ArmedCrash = waiting;
            }

            MaybeSnapshot(n);
        }

        // A node that did nothing cannot have become a leader worth checking: a new leader always has output.
        if (guard > 0 && n.Up)
        {
            CheckLeader(n);
        }
    }

    internal void Send(SimNode n, IProtocolMessage message, long extraDelay)
    {
        var to = message.To.Value;
        if (to < 1 || to >= _nodes.Length)
        {
            Violate(ViolationKinds.Crash, $"{n.Id} sent a message to unknown node {message.To}", n.Index);
            return;
        }

        byte[] bytes;
        try
        {
            _writer.ResetWrittenCount();
            _codec.Encode(message, _writer);
            bytes = _writer.WrittenSpan.ToArray();
        }
        catch (Exception ex)
        {
            Violate(ViolationKinds.Crash, $"codec could not encode {message} from {n.Id}: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        n.MessagesSent++;
        n.BytesSent += bytes.Length;
        _linkMessages[n.Index, to]++;
        _linkBytes[n.Index, to] += bytes.Length;
        Trace.Record(_now, TraceKind.Send, n.Index, to, bytes.Length);
        if (_blocked[n.Index, to] || Random.Chance(DropRate) || (!_reliable && Random.Chance(0.1)))
        {
            n.MessagesDropped++;
            Trace.Record(_now, TraceKind.Drop, n.Index, to, -1);
            return;
        }

        var e = new SimEvent(EventKind.Deliver, to, n.Index, 0, bytes);
        Schedule(_now + extraDelay + Delay(), e);
        if (Random.Chance(DuplicateRate))
        {
            Schedule(_now + extraDelay + Delay(), e);
        }
    }

    private long Delay()
    {
        var d = (long)_options.MinDelay.TotalMicroseconds + Random.NextInt64(0, (long)_options.DelayJitter.TotalMicroseconds + 1);
        if (Random.Chance(LongDelayProbability))
        {
            d += Random.NextInt64(0, LongDelayMax + 1);
        }

        if (!_reliable)
        {
            d += Random.NextInt64(0, 27_000);
        }

        if (_longReordering && Random.Next(3) != 0)
        {
            // As labrpc does it: 200 ms plus up to 2 s, skewed short.
            d += 200_000 + Random.NextInt64(0, 1 + Random.NextInt64(0, 2_000_000));
        }

        return d;
    }

    private void Apply(SimNode n, LogEntry entry)
    {
        if (entry.Index != n.Applied + 1)
        {
            Violate(ViolationKinds.AppliedPrefix, $"{n.Id} was handed entry {entry.Index} to apply after applying {n.Applied}", n.Index);
            if (entry.Index <= n.Applied)
            {
                return;
            }
        }

        var hash = EntryHash(entry);
        if (_appliedAt.TryGetValue(entry.Index, out var first))
        {
            if (first != hash)
            {
                var kind = entry.Index <= n.MaxAppliedEver ? ViolationKinds.AppliedPrefix : ViolationKinds.StateMachineSafety;
                var what = entry.Index <= n.MaxAppliedEver ? $"{n.Id} re-applied a different entry at index {entry.Index} than it applied before its restart"
                    : $"{n.Id} applied a different entry at index {entry.Index} (term {entry.Term}) than another node applied there";
                Violate(kind, what, n.Index);
            }
        }
        else
        {
            _appliedAt[entry.Index] = hash;
        }

        n.Applied = entry.Index;
        n.AppliedTerm = entry.Term;
        n.MaxAppliedEver = Math.Max(n.MaxAppliedEver, n.Applied);
        if (_options.RecordAppliedEntries)
        {
            n.AppliedLog.Add(entry);
        }

        Trace.Record(_now, TraceKind.Apply, n.Index, entry.Index, entry.Term, entry.Data.Span);
        if (entry.Kind != EntryKind.Command)
        {
            return;
        }

        var result = n.StateMachine.Apply(entry.Data.Span, out var request);
        if (result is not null)
        {
            Applied?.Invoke(n, entry.Index, hash, request, result);
        }
    }

    private void ServeReads(SimNode n)
    {
        if (n.PendingReads.Count == 0)
        {
            return;
        }

        for (var i = 0; i < n.PendingReads.Count;)
        {
            var rs = n.PendingReads[i];
            if (rs.Index <= n.Applied)
            {
                n.PendingReads.RemoveAt(i);
                if (_options.RecordAppliedEntries)
                {
                    n.Served.Add(rs.Context);
                }

                ReadServed?.Invoke(n, rs.Context);
            }
            else
            {
                i++;
            }
        }
    }

    private void MaybeSnapshot(SimNode n)
    {
        var every = _options.SnapshotEvery;
        if (every <= 0 || !n.Up || n.Applied - n.LastSnapshotIndex < every)
        {
            return;
        }

        var data = n.StateMachine.Snapshot();
        try
        {
            // The node knows the term and membership at the index: it returns the record to persist.
            var snapshot = n.Node!.Compact(n.Applied, data);
            if (snapshot is not null)
            {
                n.Storage!.SaveSnapshot(snapshot);
                n.Storage.Sync();
            }
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Compact", ex);
            return;
        }

        n.LastSnapshotIndex = n.Applied;
    }

    private void CheckLeader(SimNode n)
    {
        ConsensusStatus status;
        try
        {
            status = n.Node!.Status;
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Status", ex);
            return;
        }

        if (status.Role != ConsensusRole.Leader)
        {
            return;
        }

        if (_leaders.TryGetValue(status.Term, out var other))
        {
            if (other != n.Id)
            {
                Violate(ViolationKinds.ElectionSafety, $"{n.Id} and {other} both led term {status.Term}", n.Index);
            }
        }
        else
        {
            _leaders[status.Term] = n.Id;
        }
    }

    internal void Violate(string kind, string message, int node = 0)
    {
        var v = new Violation(_options.Seed, kind, message, Now);
        _violations.Add(v);
        Trace.Record(_now, TraceKind.Violation, node, kind + ": " + message);
    }

    internal bool AppliedAtMatches(long index, ulong hash) => _appliedAt.TryGetValue(index, out var h) && h == hash;

    internal static ulong EntryHash(LogEntry entry)
    {
        var h = 14695981039346656037UL;
        h = (h ^ (byte)entry.Kind) * 1099511628211UL;
        foreach (var b in entry.Data.Span)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return h;
    }
}
