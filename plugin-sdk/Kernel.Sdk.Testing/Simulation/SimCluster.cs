using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Runtime;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation.Hosts;

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
    private readonly SimulationOptions _options;
    private readonly SimNode[] _nodes;
    private readonly PriorityQueue<SimEvent, EventKey> _queue = new();
    private readonly List<Violation> _violations = [];
    private readonly ISimNodeHost _host;
    private readonly ConsensusHost? _consensus;
    private readonly ReplicaHost? _replicas;
    private readonly long _tick;
    private long _now;
    private long _seq;
    private long _stepped;
    private bool _aborted;
    private Func<string?>? _invariant;

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
        _options = options;
        Random = new SimRandom(unchecked((ulong)options.Seed));
        Trace = new TraceRecorder(options.Trace);
        _tick = Math.Max(1, (long)options.TickInterval.TotalMicroseconds);
        var faulty = Byzantine.ChooseFaulty(options, Random);
        var twins = options.ByzantineBehaviors.HasFlag(ByzantineBehaviors.Twins) ? faulty : [];
        _nodes = new SimNode[options.Nodes + 1 + twins.Length];
        for (var i = 1; i <= options.Nodes; i++)
        {
            _nodes[i] = new SimNode(i, new SimDirectory("n" + i.ToString(CultureInfo.InvariantCulture))) { Byzantine = faulty.Contains(i) };
        }

        for (var t = 0; t < twins.Length; t++)
        {
            // A Twins copy: same identity and keys as the faulty node, its own disk; the network splits the peers between the two.
            var index = options.Nodes + 1 + t;
            _nodes[index] = new SimNode(index, new SimDirectory("n" + twins[t].ToString(CultureInfo.InvariantCulture) + "-twin"), new NodeId(twins[t]))
            {
                Byzantine = true,
                Side = 1,
            };
        }

        Byzantine = new Byzantine(this, faulty, twins);
        Network = new SimNetwork(this, consensus?.Codec ?? replication!.Codec, options.Nodes);

        var membership = new Membership(_nodes.Skip(1).Select(n => n.Id));
        Nodes = membership.Voters;
        if (consensus is not null)
        {
            _host = _consensus = new ConsensusHost(this, consensus, membership);
        }
        else
        {
            _host = _replicas = new ReplicaHost(this, replication!);
        }

        for (var i = 1; i < _nodes.Length; i++)
        {
            _host.Start(_nodes[i]);
        }

        _invariant = options.Invariant?.Invoke(this);
    }

    /// <summary>The faulty replicas of a Byzantine run and what they do (nothing when <see cref="SimulationOptions.Byzantine"/> is 0).</summary>
    internal Byzantine Byzantine { get; }

    /// <summary>Every simulated node, Twins copies included (after the <see cref="AllNodes"/>).</summary>
    internal IReadOnlyList<SimNode> Instances => _nodes.Skip(1).ToArray();

    /// <summary>Calls a node (a Twins copy too) from outside, as <see cref="Propose"/> does for an id.</summary>
    internal ProposeResult ProposeAt(SimNode n, ReadOnlyMemory<byte> command)
    {
        RequireConsensus();
        return _consensus!.Drive(n, "Propose", x => x.Propose(command), static why => ProposeResult.Refused(why), (n, result) =>
            Trace.Record(_now, TraceKind.Propose, n.Index, result.Accepted ? result.Index : -1, result.Term, command.Span));
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
    public NodeCounters TotalCounters => _nodes.Skip(1).Take(_options.Nodes).Aggregate(default(NodeCounters), (sum, n) => sum + n.Counters);

    /// <summary>What the replication strategy promises, or null on a consensus cluster.</summary>
    public ReplicationGuarantee? Guarantee => _replication?.Guarantee;

    internal SimulationOptions Options => _options;

    /// <summary>What the consensus strategy declares it offers; null on a replication cluster.</summary>
    internal ConsensusCapabilities? Capabilities => _strategy?.Capabilities;

    /// <summary>True when the nodes are replicas of a replication strategy.</summary>
    internal bool IsReplication => _replication is not null;

    internal SimRandom Random { get; }

    internal TraceRecorder Trace { get; }

    internal long NowMicros => _now;

    internal bool Stopped => _aborted || (_options.StopOnViolation && _violations.Count > 0);

    internal SimNetwork Network { get; }

    internal DiskCrashMode CrashMode => _options.Faults.HasFlag(SimFaults.Disk) ? DiskCrashMode.Tear : DiskCrashMode.LoseUnsynced;

    /// <summary>Called when a node applies a key-value request: node, index, entry hash, request, result.</summary>
    internal Action<SimNode, long, ulong, KvRequest, KvResult>? Applied { get; set; }

    /// <summary>Called when a node serves a read state: node, context.</summary>
    internal Action<SimNode, ReadOnlyMemory<byte>>? ReadServed { get; set; }

    /// <summary>Called when a replica answers a client request: node, request id, result.</summary>
    internal Action<SimNode, long, KvResult>? Responded { get; set; }

    internal IReadOnlyList<SimNode> AllNodes => _nodes.Skip(1).Take(_options.Nodes).ToArray();

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
        if ((++_stepped & 63) == 0 && _options.Abort.IsCancellationRequested)
        {
            Violate(ViolationKinds.Hang, "the run was stopped at its wall-time limit (a strategy that loops, or storms of messages or events)");
            _aborted = true;
            return;
        }

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

        if (_invariant is not null && !Stopped && _invariant() is { } broken)
        {
            Violate(ViolationKinds.ProtocolInvariant, broken);
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
        Network.Disconnect(i);
        Trace.Record(_now, TraceKind.Partition, i, "disconnect");
    }

    /// <summary>
    /// Restores the links between <paramref name="node"/> and every node that is not itself disconnected (as 6.5840's
    /// labrpc does); links between other nodes stay as they are.
    /// </summary>
    public void Connect(NodeId node)
    {
        var i = IndexOf(node);
        Network.Connect(i);
        Trace.Record(_now, TraceKind.Partition, i, "connect");
    }

    /// <summary>
    /// Splits the cluster: nodes talk only within their group; nodes named in no group are isolated.
    /// Replaces any earlier partition.
    /// </summary>
    public void Partition(params NodeId[][] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var group = new int[_nodes.Length];
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var id in groups[g])
            {
                group[IndexOf(id)] = g + 1;
            }
        }

        Network.Partition(group);
        Trace.Record(_now, TraceKind.Partition, 0, "partition " + string.Join(" | ", groups.Select(g => string.Join(",", g))));
    }

    /// <summary>Blocks the directed link <paramref name="from"/> → <paramref name="to"/> (a one-way partition).</summary>
    public void Block(NodeId from, NodeId to)
    {
        Network.Block(IndexOf(from), IndexOf(to), true);
        Trace.Record(_now, TraceKind.Partition, IndexOf(from), "block ->" + to);
    }

    /// <summary>Unblocks the directed link <paramref name="from"/> → <paramref name="to"/>.</summary>
    public void Unblock(NodeId from, NodeId to)
    {
        Network.Block(IndexOf(from), IndexOf(to), false);
        Trace.Record(_now, TraceKind.Partition, IndexOf(from), "unblock ->" + to);
    }

    /// <summary>True if messages from <paramref name="from"/> to <paramref name="to"/> are blocked.</summary>
    public bool IsBlocked(NodeId from, NodeId to) => Network.IsBlocked(IndexOf(from), IndexOf(to));

    /// <summary>Heals every partition.</summary>
    public void Heal()
    {
        Network.Heal();
        Trace.Record(_now, TraceKind.Partition, 0, "heal");
    }

    internal bool AnyBlocked() => Network.AnyBlocked();

    /// <summary>
    /// Reliable (the default): no loss. Unreliable, as in the MIT 6.5840 labs: 10% of messages lost and up to 27 ms extra delay.
    /// </summary>
    public void SetReliable(bool reliable)
    {
        Network.SetReliable(reliable);
        Trace.Record(_now, TraceKind.Partition, 0, reliable ? "reliable" : "unreliable");
    }

    /// <summary>When on, two messages in three are held back 200 ms to 2.2 s (skewed short, as in 6.5840's labrpc), so they arrive long after later ones.</summary>
    public void SetLongReordering(bool on)
    {
        Network.SetLongReordering(on);
        Trace.Record(_now, TraceKind.Partition, 0, on ? "long-reordering on" : "long-reordering off");
    }

    /// <summary>Sets the probability that a message is lost and that it is delivered twice (beyond <see cref="SetReliable"/>).</summary>
    public void SetLossAndDuplication(double drop, double duplicate)
    {
        Network.DropRate = Math.Clamp(drop, 0, 1);
        Network.DuplicateRate = Math.Clamp(duplicate, 0, 1);
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
        if (n.Up)
        {
            return;
        }

        if ((Options.Faults & SimFaults.Sector) == 0 || n.Disk.List() is not { Count: > 0 } files || Random.NextDouble() >= SectorErrorProbability)
        {
            _host.Start(n);
            return;
        }

        // A latent sector error in one file: the node must refuse to start on it; then the sector is repaired and it starts.
        var name = files[Random.Next(files.Count)];
        n.Disk.InjectReadError(name);
        Trace.Line(_now, TraceKind.Restart, n.Index, "latent sector error in " + name);
        _host.Start(n);
        var hit = n.Disk.ReadErrorsHit > 0;
        n.Disk.RepairReadErrors();
        if (hit && n.Up)
        {
            Violate(ViolationKinds.Storage,
                $"{n.Id} started although reading '{name}' failed (a latent sector error): a read error must stop the node, never pass for missing or shorter data", n.Index);
        }
        else if (hit)
        {
            Trace.Line(_now, TraceKind.Restart, n.Index, "refused to start on the read error; sector repaired, starting again");
            _host.Start(n);
        }
    }

    /// <summary>The chance that a restart meets a latent sector error, when <see cref="SimFaults.Sector"/> is on.</summary>
    internal const double SectorErrorProbability = 0.3;

    /// <summary>
    /// True when a node's start failed on an injected read error (<see cref="SimFaults.Sector"/>): the failure the run
    /// asks for, not a violation (<see cref="Restart"/> checks it and starts the node again).
    /// </summary>
    internal bool FailedOnReadError(SimNode n) => n.Disk.UnreadableFiles.Count > 0 && n.Disk.ReadErrorsHit > 0;

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

    private T Drive<T>(NodeId node, string what, Func<IConsensusNode, T> call, Func<string, T> refused, Action<SimNode, T>? record)
    {
        RequireConsensus();
        return _consensus!.Drive(_nodes[IndexOf(node)], what, call, refused, record);
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
        foreach (var n in _nodes.Skip(1).Take(_options.Nodes))
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
        foreach (var n in _nodes.Skip(1).Take(_options.Nodes))
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
    public (long Messages, long Bytes) LinkCounters(NodeId from, NodeId to) => Network.Link(IndexOf(from), IndexOf(to));

    /// <summary>The simulated disk of a node (to inspect it, or to corrupt it on purpose in a test).</summary>
    public SimDirectory Disk(NodeId node) => _nodes[IndexOf(node)].Disk;

    internal SimNode NodeAt(int index) => _nodes[index];

    internal int IndexOf(NodeId id) =>
        id.Value >= 1 && id.Value <= _options.Nodes ? id.Value : throw new ArgumentOutOfRangeException(nameof(id), id, "No such node in the cluster.");

    // ---------------------------------------------------------------- node lifecycle

    /// <summary>Schedules a (re)started node's first tick at a random point within its tick interval.</summary>
    internal void ScheduleFirstTick(SimNode n) =>
        Schedule(_now + Random.NextInt64(1, TickInterval(n) + 1), new SimEvent(EventKind.Tick, n.Index, 0, n.TickGeneration, null));

    /// <summary>Reports how a node's drain ended: a node that threw is crashed, a livelocked one too.</summary>
    internal void Drained(SimNode n, ReadyDrain drain)
    {
        switch (drain.Outcome)
        {
            case ReadyDrainOutcome.Failed:
                NodeThrew(n, drain.Phase!, drain.Exception!);
                break;
            case ReadyDrainOutcome.Livelock:
                Violate(ViolationKinds.Crash, $"{n.Id} keeps reporting HasReady after 10000 batches in a row", n.Index);
                CrashNode(n, DiskCrashMode.KeepUnsynced, "livelock");
                break;
        }
    }

    /// <summary>
    /// The armed crashes of the stages every kind of node shares, from the first message on: one armed to strike mid-send
    /// picks the message it strikes before (<paramref name="sendBeforeCrash"/>, drawn at the first stage), or after the
    /// last; one armed before advance strikes once the output was handed over. False when the node crashed here.
    /// </summary>
    internal bool SendStages(SimNode n, ReadyStage stage, int index, int messages, ref int sendBeforeCrash)
    {
        switch (stage)
        {
            case ReadyStage.SendingStarting:
                sendBeforeCrash = n.ArmedCrash == CrashPoint.MidSend ? Random.Next(messages + 1) : -1;
                return true;
            case ReadyStage.Sending:
                return !(index == sendBeforeCrash && StrikeArmedCrash(n, CrashPoint.MidSend));
            case ReadyStage.Sent:
                return !StrikeArmedCrash(n, CrashPoint.MidSend);
            case ReadyStage.Delivered:
                return !StrikeArmedCrash(n, CrashPoint.BeforeAdvance);
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

        Distribution.Collect(n.Replica, _measuredByCrashed);
        n.Node = null;
        n.Replica = null;
        n.Storage = null;
        n.Driver = null;
        n.Paused = false;
        n.ArmedCrash = null;
        n.TickGeneration++;
        n.Incarnation++;
        n.Inbox.Clear();
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
            _host.Tick(n);
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Tick", ex);
            return;
        }

        _host.Process(n);
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
        if (!n.Up || Network.IsBlocked(from.Base, n.Base))
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

        if (Network.Receive(n, from, bytes, forged: e.Gen != 0) is not { } message)
        {
            return;
        }

        try
        {
            _host.Step(n, message);
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Step", ex);
            return;
        }

        _host.Process(n);
    }

    internal void NodeThrew(SimNode n, string where, Exception ex)
    {
        Violate(ViolationKinds.Crash, $"{n.Id} threw in {where}: {ex.GetType().Name}: {ex.Message}", n.Index);
        CrashNode(n, DiskCrashMode.KeepUnsynced, "threw");
    }

    /// <summary>Runs the node's output through its host (after a call from outside: the nemesis, a snapshot).</summary>
    internal void ProcessReady(SimNode n) => _host.Process(n);

    internal void Violate(string kind, string message, int node = 0)
    {
        if (_aborted)
        {
            return; // what an aborted run would go on to find says nothing
        }

        var v = new Violation(_options.Seed, kind, message, Now);
        _violations.Add(v);
        Trace.Record(_now, TraceKind.Violation, node, kind + ": " + message);
    }

    internal bool AppliedAtMatches(long index, ulong hash) => _consensus?.AppliedAtMatches(index, hash) ?? false;

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
