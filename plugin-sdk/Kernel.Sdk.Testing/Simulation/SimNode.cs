using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Runtime;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>Message, byte and disk counters of a simulated node (or of the whole cluster).</summary>
/// <param name="MessagesSent">Messages the node sent (each one an RPC request or reply), duplicates not counted.</param>
/// <param name="BytesSent">Encoded bytes of those messages.</param>
/// <param name="MessagesReceived">Messages delivered to the node and stepped.</param>
/// <param name="BytesReceived">Their encoded bytes.</param>
/// <param name="MessagesDropped">Messages from the node lost to partitions, loss or a down or restarted receiver.</param>
/// <param name="DiskSyncs">Syncs of the node's disk.</param>
/// <param name="DiskBytesWritten">Bytes written to the node's disk.</param>
public readonly record struct NodeCounters(
    long MessagesSent, long BytesSent, long MessagesReceived, long BytesReceived, long MessagesDropped, long DiskSyncs, long DiskBytesWritten)
{
    /// <summary>Adds two sets of counters.</summary>
    public static NodeCounters operator +(NodeCounters a, NodeCounters b) => new(
        a.MessagesSent + b.MessagesSent, a.BytesSent + b.BytesSent, a.MessagesReceived + b.MessagesReceived,
        a.BytesReceived + b.BytesReceived, a.MessagesDropped + b.MessagesDropped, a.DiskSyncs + b.DiskSyncs,
        a.DiskBytesWritten + b.DiskBytesWritten);
}

/// <summary>
/// The simulator's runtime for one node: its pure core, disk and counters. A node of a consensus cluster has a
/// <see cref="Node"/> with its storage, key-value state machine and read states; a node of a replication cluster has a
/// <see cref="Replica"/>, which keeps its own state and persists straight into <see cref="Disk"/>.
/// </summary>
internal sealed class SimNode
{
    public SimNode(int index, SimDirectory disk, NodeId? id = null)
    {
        Index = index;
        Id = id ?? new NodeId(index);
        Disk = disk;
    }

    /// <summary>A faulty replica of a Byzantine run (<see cref="SimulationOptions.Byzantine"/>): the invariants judge honest nodes only.</summary>
    public bool Byzantine { get; set; }

    /// <summary>For a Twins copy, the index of the node whose identity and keys it shares; its own index otherwise.</summary>
    public int Base => Id.Value;

    /// <summary>Which side of the Twins split this copy serves (0: the original, 1: the twin).</summary>
    public int Side { get; set; }

    public int Index { get; }

    public NodeId Id { get; }

    public SimDirectory Disk { get; }

    public IConsensusStorage? Storage { get; set; }

    public IConsensusNode? Node { get; set; }

    /// <summary>The one Ready driver running the node's or replica's output (null when down).</summary>
    public ReadyDriver? Driver { get; set; }

    /// <summary>The running replica of a replication cluster (null when down, and always on a consensus cluster).</summary>
    public IReplicaNode? Replica { get; set; }

    public bool Up => Node is not null || Replica is not null;

    public bool Paused { get; set; }

    /// <summary>When set, the node crashes at this point of its next Ready (see <see cref="CrashPoint"/>).</summary>
    public CrashPoint? ArmedCrash { get; set; }

    /// <summary>Which kind of Ready an armed crash waits for (a consensus node; a replica's crash strikes at its next batch).</summary>
    public CrashTrigger ArmedTrigger { get; set; }

    /// <summary>Bumped at every crash, restart, pause and resume: stale tick chains see it and stop.</summary>
    public long TickGeneration { get; set; }

    /// <summary>Bumped at every crash: responses and reads of an earlier incarnation are dropped.</summary>
    public long Incarnation { get; set; }

    /// <summary>Clock drift as a fraction: +0.05 ticks 5% slower (its interval is 5% longer).</summary>
    public double Drift { get; set; }

    public KvStateMachine StateMachine { get; set; } = new();

    public long Applied { get; set; }

    public long AppliedTerm { get; set; }

    public long MaxAppliedEver { get; set; }

    public Queue<SimEvent> Inbox { get; } = new();

    public List<LogEntry> AppliedLog { get; } = [];

    public List<ReadOnlyMemory<byte>> Served { get; } = [];

    /// <summary>Responses a replica gave, with their request ids, when applied entries are recorded.</summary>
    public List<KeyValuePair<long, KvResult>> Responses { get; } = [];

    public long MessagesSent { get; set; }

    public long BytesSent { get; set; }

    public long MessagesReceived { get; set; }

    public long BytesReceived { get; set; }

    public long MessagesDropped { get; set; }

    public NodeCounters Counters => new(MessagesSent, BytesSent, MessagesReceived, BytesReceived, MessagesDropped, Disk.Syncs, Disk.BytesWritten);
}

/// <summary>
/// The moments that matter, where an armed crash waits to strike: they are rare among all Readies, so crashes at random
/// points seldom hit them.
/// </summary>
internal enum CrashTrigger : byte
{
    /// <summary>The next Ready.</summary>
    Any,

    /// <summary>A Ready with a new hard state and no entries: a term change or a vote granted.</summary>
    HardStateOnly,

    /// <summary>A Ready that appends or commits a membership entry.</summary>
    Membership,

    /// <summary>A Ready that installs a snapshot.</summary>
    Snapshot,

    /// <summary>A Ready that appends entries.</summary>
    Entries,
}

/// <summary>Where, inside the handling of one Ready, an armed crash strikes.</summary>
internal enum CrashPoint : byte
{
    /// <summary>After the writes were issued, before the sync: they may be lost or torn. A replica: after some of its atomic writes, before the rest.</summary>
    BeforeSync,

    /// <summary>After the sync, before any message went out.</summary>
    BeforeSend,

    /// <summary>After some of the messages went out.</summary>
    MidSend,

    /// <summary>After applying (a replica: after answering its clients), before <c>Advance</c>.</summary>
    BeforeAdvance,
}

internal enum EventKind : byte
{
    Deliver,
    Tick,
    Callback,
}

/// <summary>A scheduled event. Deliver: Node = receiver, From = sender, Payload = encoded message. Tick: Gen = tick generation.</summary>
internal readonly record struct SimEvent(EventKind Kind, int Node, int From, long Gen, object? Payload);

/// <summary>Events are ordered by virtual time, then by the order they were scheduled in.</summary>
internal readonly record struct EventKey(long Time, long Seq) : IComparable<EventKey>
{
    public int CompareTo(EventKey other)
    {
        var c = Time.CompareTo(other.Time);
        return c != 0 ? c : Seq.CompareTo(other.Seq);
    }
}
