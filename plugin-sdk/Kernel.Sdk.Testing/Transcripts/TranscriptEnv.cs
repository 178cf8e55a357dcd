using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Runtime;
using Kernel.Sdk.Testing.Simulation;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>
/// The world a transcript runs in: nodes of one <see cref="IConsensusStrategy"/>, each with a <see cref="SimDirectory"/>
/// for its storage and a log of what it applied, and one FIFO queue of sent messages that only the script delivers.
/// Nothing happens unless a command says so: no implicit ticks, deliveries or Ready handling.
/// </summary>
internal sealed class TranscriptEnv
{
    /// <summary>The commands and their syntax, as errors list them.</summary>
    public static readonly IReadOnlyList<(string Name, string Usage)> Commands =
    [
        ("add-nodes", "add-nodes <count> [voters=(1,2,3)] [learners=(4)] [seed=<n>] [<strategy option>=<value>...]"),
        ("tick", "tick <nodes|all> [times=<n>]"),
        ("tick-election", "tick-election <node>"),
        ("process-ready", "process-ready <nodes|all>"),
        ("deliver", "deliver [from=(ids)] [to=(ids)] [drop=true]"),
        ("stabilize", "stabilize [<nodes|all>]"),
        ("partition", "partition (ids) [(ids)...]"),
        ("heal", "heal"),
        ("crash", "crash <node>"),
        ("restart", "restart <node>"),
        ("propose", "propose <node> <data>"),
        ("propose-membership-change", "propose-membership-change <node> add-learner|add-voter|remove <id>"),
        ("read-index", "read-index <node> <context>"),
        ("transfer-leadership", "transfer-leadership <node> to=<id>"),
        ("compact", "compact <node> [<index>]"),
        ("status", "status [<nodes|all>]"),
        ("applied", "applied [<nodes|all>]"),
    ];

    private const int MaxTickElection = 100_000;
    private const int MaxStabilizeRounds = 10_000;

    private readonly IConsensusStrategy _strategy;
    private readonly IReadOnlyDictionary<string, string?> _baseOptions;
    private readonly SortedDictionary<int, Peer> _peers = [];
    private readonly List<IProtocolMessage> _queue = [];
    private readonly StringBuilder _out = new();
    private Dictionary<int, int>? _groups;

    public TranscriptEnv(IConsensusStrategy strategy, IReadOnlyDictionary<string, string?> baseOptions)
    {
        _strategy = strategy;
        _baseOptions = baseOptions;
    }

    public static string UsageOf(string name) => Commands.First(c => c.Name == name).Usage;

    /// <summary>Runs one command and returns its output (<c>ok</c> when it prints nothing).</summary>
    public string Execute(TranscriptCommand c)
    {
        _out.Clear();
        switch (c.Name)
        {
            case "add-nodes": AddNodes(c); break;
            case "tick": Tick(c); break;
            case "tick-election": TickElection(c); break;
            case "process-ready": ProcessReady(c); break;
            case "deliver": Deliver(c); break;
            case "stabilize": Stabilize(c); break;
            case "partition": Partition(c); break;
            case "heal": Heal(c); break;
            case "crash": Crash(c); break;
            case "restart": Restart(c); break;
            case "propose": Propose(c); break;
            case "propose-membership-change": ProposeMembershipChange(c); break;
            case "read-index": ReadIndex(c); break;
            case "transfer-leadership": TransferLeadership(c); break;
            case "compact": Compact(c); break;
            case "status": Status(c); break;
            case "applied": Applied(c); break;
            default:
                throw new TranscriptInputException($"unknown command '{c.Name}'; allowed: {string.Join(", ", Commands.Select(x => x.Name))}");
        }

        var text = _out.ToString().TrimEnd('\n');
        return text.Length == 0 ? "ok" : text;
    }

    // ---------------------------------------------------------------- commands

    private void AddNodes(TranscriptCommand c)
    {
        c.ExpectPositional(1, 1);
        var count = (int)TranscriptCommand.ParseLong(c.Positional[0], "count", 1, 100);
        var first = _peers.Count == 0 ? 1 : _peers.Keys.Max() + 1;
        var ids = Enumerable.Range(first, count).ToArray();
        var voters = c.Take("voters") is { } v ? ParseIds(v, "voters") : ids;
        var learners = c.Take("learners") is { } l ? ParseIds(l, "learners") : [];
        var seed = (int)c.TakeLong("seed", 1, 0, int.MaxValue);
        var settings = new Dictionary<string, string?>(_baseOptions, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in c.Unused.ToArray())
        {
            c.Take(key);
            settings[key] = value;
        }

        var options = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var problems = _strategy.ValidateOptions(options);
        if (problems.Count > 0)
        {
            throw new TranscriptInputException($"the strategy's options are not valid: {string.Join("; ", problems)} (any argument other than voters, learners and seed is a strategy option)");
        }

        var membership = new Membership(voters.Select(i => new NodeId(i)), learners.Select(i => new NodeId(i)));
        foreach (var id in ids)
        {
            var peer = new Peer(id, new SimDirectory("node" + id.ToString(CultureInfo.InvariantCulture)), membership, options, seed);
            _peers[id] = peer;
            Start(peer);
        }
    }

    private void Tick(TranscriptCommand c)
    {
        var times = c.TakeLong("times", 1, 1, 1_000_000);
        c.RejectUnused("times");
        c.ExpectPositional(1, int.MaxValue);
        var peers = Select(c.Positional, upOnly: true);
        for (var t = 0; t < times; t++)
        {
            foreach (var peer in peers)
            {
                peer.Node!.Tick();
            }
        }
    }

    private void TickElection(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(1, 1);
        var peer = Up(c.Positional[0]);
        var node = peer.Node!;
        var before = node.Status;
        for (var t = 1; t <= MaxTickElection; t++)
        {
            node.Tick();
            var now = node.Status;
            if (now.Role != before.Role || now.Term != before.Term || now.Leader != before.Leader)
            {
                Line($"after {t} ticks: {TranscriptFormat.Status(now)}");
                return;
            }
        }

        throw new TranscriptInputException($"node {peer.Id} ticked {MaxTickElection} times and its role, term and leader stayed the same (does it vote?)");
    }

    private void ProcessReady(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(1, int.MaxValue);
        var all = c.Positional is ["all"];
        foreach (var peer in Select(c.Positional, upOnly: !all))
        {
            if (peer.Node is { HasReady: true })
            {
                HandleAndPrintReady(peer);
            }
            else if (!all)
            {
                Line($"> {peer.Id} has no Ready");
            }
        }
    }

    private void Deliver(TranscriptCommand c)
    {
        var from = c.Take("from") is { } f ? ParseIds(f, "from").ToHashSet() : null;
        var to = c.Take("to") is { } t ? ParseIds(t, "to").ToHashSet() : null;
        var drop = c.TakeBool("drop");
        c.RejectUnused("from, to, drop");
        c.ExpectPositional(0, 0);
        var batch = TakeMessages(m => (from is null || from.Contains(m.From.Value)) && (to is null || to.Contains(m.To.Value)));
        foreach (var m in batch)
        {
            if (drop)
            {
                Line("dropped: " + m);
            }
            else
            {
                DeliverOne(m, string.Empty);
            }
        }
    }

    private void Stabilize(TranscriptCommand c)
    {
        c.RejectUnused("none");
        var only = c.Positional.Count == 0 || c.Positional is ["all"] ? null : Select(c.Positional, upOnly: false).Select(p => p.Id).ToHashSet();
        for (var round = 0; round < MaxStabilizeRounds; round++)
        {
            var progressed = false;
            foreach (var peer in _peers.Values)
            {
                if ((only is null || only.Contains(peer.Id)) && peer.Node is { HasReady: true })
                {
                    HandleAndPrintReady(peer);
                    progressed = true;
                }
            }

            var targets = _queue.Select(m => m.To.Value).Where(id => only is null || only.Contains(id)).Distinct().Order().ToArray();
            foreach (var target in targets)
            {
                Line($"> {target} receiving messages");
                foreach (var m in TakeMessages(m => m.To.Value == target))
                {
                    DeliverOne(m, "  ");
                }

                progressed = true;
            }

            if (!progressed)
            {
                return;
            }
        }

        throw new InvalidOperationException($"the nodes still had work after {MaxStabilizeRounds} rounds of Ready handling and delivery (a message storm?)");
    }

    private void Partition(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(1, int.MaxValue);
        var groups = new Dictionary<int, int>();
        for (var g = 0; g < c.Positional.Count; g++)
        {
            foreach (var id in ParseIds(c.Positional[g], "group"))
            {
                Known(id);
                if (!groups.TryAdd(id, g + 1))
                {
                    throw new TranscriptInputException($"node {id} is in two groups");
                }
            }
        }

        _groups = groups; // nodes not named form one more group together
    }

    private void Heal(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(0, 0);
        _groups = null;
    }

    private void Crash(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(1, 1);
        var peer = Up(c.Positional[0]);

        // What the node did since its last Ready is lost with it, and so is what its storage wrote but did not sync.
        peer.Storage!.Dispose();
        peer.Disk.Crash(DiskCrashMode.LoseUnsynced);
        peer.Storage = null;
        peer.Node = null;
    }

    private void Restart(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(1, 1);
        var peer = Known((int)TranscriptCommand.ParseLong(c.Positional[0], "node", 1, int.MaxValue));
        if (peer.Node is not null)
        {
            throw new TranscriptInputException($"node {peer.Id} is up; crash it first");
        }

        var recovered = Start(peer);
        var entries = recovered.Entries.Count == 0
            ? "none"
            : $"{TranscriptFormat.Position(recovered.Entries[0].Term, recovered.Entries[0].Index)}..{TranscriptFormat.Position(recovered.Entries[^1].Term, recovered.Entries[^1].Index)}";
        Line($"recovered: hard state {(recovered.HardState.IsEmpty ? "none" : "yes")}, snapshot {(recovered.Snapshot is { } s ? TranscriptFormat.Snapshot(s) : "none")}, entries {entries}");
    }

    private void Propose(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(2, 2);
        var peer = Up(c.Positional[0]);
        Result(peer.Node!.Propose(Encoding.UTF8.GetBytes(c.Positional[1])));
    }

    private void ProposeMembershipChange(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(3, 3);
        var peer = Up(c.Positional[0]);
        var kind = c.Positional[1] switch
        {
            "add-learner" => MembershipChangeKind.AddLearner,
            "add-voter" => MembershipChangeKind.AddVoter,
            "remove" => MembershipChangeKind.Remove,
            var other => throw new TranscriptInputException($"'{other}' is not a membership change; allowed: add-learner, add-voter, remove"),
        };
        var target = (int)TranscriptCommand.ParseLong(c.Positional[2], "node", 1, int.MaxValue);
        Result(peer.Node!.ProposeMembershipChange(new MembershipChange(kind, new NodeId(target))));
    }

    private void ReadIndex(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(2, 2);
        var peer = Up(c.Positional[0]);
        Line(peer.Node!.ReadIndex(Encoding.UTF8.GetBytes(c.Positional[1])) ? "requested" : "refused: the node cannot serve reads now");
    }

    private void TransferLeadership(TranscriptCommand c)
    {
        var to = c.Take("to") ?? throw new TranscriptInputException("needs to=<id>");
        c.RejectUnused("to");
        c.ExpectPositional(1, 1);
        var peer = Up(c.Positional[0]);
        var target = (int)TranscriptCommand.ParseLong(to, "to", 1, int.MaxValue);
        Line(peer.Node!.TransferLeadership(new NodeId(target)) ? "requested" : "refused");
    }

    private void Compact(TranscriptCommand c)
    {
        c.RejectUnused("none");
        c.ExpectPositional(1, 2);
        var peer = Up(c.Positional[0]);
        var index = c.Positional.Count == 2 ? TranscriptCommand.ParseLong(c.Positional[1], "index", 1, long.MaxValue) : peer.AppliedIndex;
        if (index > peer.AppliedIndex)
        {
            throw new TranscriptInputException($"index {index} is past node {peer.Id}'s applied index {peer.AppliedIndex}; a snapshot covers applied entries only");
        }

        var snapshot = peer.Node!.Compact(index, EncodeApplied(peer.Applied.Where(e => e.Index <= index)));
        if (snapshot is null)
        {
            Line($"nothing to compact: {index} is not past the node's snapshot");
            return;
        }

        peer.Storage!.SaveSnapshot(snapshot);
        peer.Storage.Sync();
        Line("snapshot " + TranscriptFormat.Snapshot(snapshot));
    }

    private void Status(TranscriptCommand c)
    {
        c.RejectUnused("none");
        foreach (var peer in Select(c.Positional.Count == 0 ? ["all"] : c.Positional, upOnly: false))
        {
            Line(peer.Node is null ? $"{peer.Id}: down" : TranscriptFormat.Status(peer.Node.Status));
        }
    }

    private void Applied(TranscriptCommand c)
    {
        c.RejectUnused("none");
        foreach (var peer in Select(c.Positional.Count == 0 ? ["all"] : c.Positional, upOnly: false))
        {
            Line($"{peer.Id}: applied={peer.AppliedIndex}{(peer.Node is null ? " (down)" : string.Empty)}");
            foreach (var e in peer.Applied)
            {
                Line("  " + e.ToString());
            }
        }
    }

    // ---------------------------------------------------------------- the runtime loop

    /// <summary>
    /// Does what one <see cref="Ready"/> asks, in the order the SDK prescribes: persist (snapshot, entries, hard state)
    /// and sync when it must, send the messages, install the snapshot into the state machine and apply the committed
    /// entries, then advance. The one place a transcript handles a Ready; the shared Ready driver can replace it.
    /// </summary>
    /// <summary>Handles one Ready of the node through the SDK's one <see cref="ReadyDriver"/>, printing it as it is taken.</summary>
    private void HandleAndPrintReady(Peer peer)
    {
        var drain = peer.Handler!.HandleOne();
        if (drain.Outcome == ReadyDrainOutcome.Failed)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(drain.Exception!);
        }
    }

    private void PrintReady(Peer peer, ConsensusStatus status, Ready ready)
    {
        Line($"> {peer.Id} handling Ready{(ready.MustSync ? " (must sync)" : string.Empty)}");
        const string inner = "  ";
        var state = $"{status.Role} term={status.Term} leader={TranscriptFormat.Node(status.Leader)}";
        if (state != peer.LastState)
        {
            Line(inner + "state: " + state);
            peer.LastState = state;
        }

        if (!ready.HardState.IsEmpty)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{inner}hard state: term={status.Term} commit={status.Commit}"));
        }

        if (ready.Snapshot is { } snapshot)
        {
            Line(inner + "snapshot: " + TranscriptFormat.Snapshot(snapshot));
        }

        List(inner, "entries:", ready.Entries.Select(e => e.ToString()));
        List(inner, "committed:", ready.CommittedEntries.Select(e => e.ToString()));
        List(inner, "messages:", ready.Messages.Select(m => m.ToString() ?? string.Empty));
        List(inner, "read states:", ready.ReadStates.Select(r => string.Create(CultureInfo.InvariantCulture, $"index={r.Index} context={Cluster.ByteText.Format(r.Context.Span)}")));
    }

    /// <summary>Queues a message as a network would carry it: through the strategy's codec.</summary>
    private void Send(IProtocolMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        _strategy.Codec.Encode(message, buffer);
        _queue.Add(_strategy.Codec.Decode(buffer.WrittenSpan));
    }

    private void DeliverOne(IProtocolMessage m, string indent)
    {
        var to = m.To.Value;
        string? reason = !_peers.TryGetValue(to, out var peer) ? $"there is no node {to}"
            : peer.Node is null ? $"{to} is down"
            : _groups is not null && Group(m.From.Value) != Group(to) ? "partitioned"
            : null;
        if (reason is not null)
        {
            Line($"{indent}dropped ({reason}): {m}");
            return;
        }

        Line(indent + m);
        peer!.Node!.Step(m);
    }

    private int Group(int id) => _groups!.GetValueOrDefault(id);

    private List<IProtocolMessage> TakeMessages(Func<IProtocolMessage, bool> match)
    {
        var taken = _queue.Where(match).ToList();
        _queue.RemoveAll(m => match(m));
        return taken;
    }

    private RecoveredState Start(Peer peer)
    {
        peer.Storage = _strategy.OpenStorage(peer.Disk);
        var recovered = peer.Storage.Recovered;
        peer.Node = _strategy.CreateNode(new ConsensusNodeOptions
        {
            Id = new NodeId(peer.Id),
            InitialMembership = peer.Initial,
            Recovered = recovered,
            Random = new Random(unchecked((peer.Seed * 1_000_003) + (peer.Id * 1009) + peer.Starts)),
            Options = peer.Options,
        });
        peer.Starts++;
        peer.Handler = new PeerHandler(this, peer);
        peer.Handler.Driver = new ReadyDriver(peer.Node, peer.Storage, peer.Handler, null);
        peer.Applied.Clear();
        peer.AppliedIndex = 0;
        peer.LastState = null;
        if (recovered.Snapshot is { } snapshot)
        {
            peer.Restore(snapshot);
        }

        return recovered;
    }

    // ---------------------------------------------------------------- helpers

    private void Result(ProposeResult r) =>
        Line(r.Accepted
            ? "accepted at " + TranscriptFormat.Position(r.Term, r.Index)
            : $"refused: {r.Reason}{(r.LeaderHint.IsNone ? string.Empty : $" (leader hint {r.LeaderHint.Value})")}");

    private void List(string indent, string title, IEnumerable<string> items)
    {
        var first = true;
        foreach (var item in items)
        {
            if (first)
            {
                Line(indent + title);
                first = false;
            }

            Line(indent + "  " + item);
        }
    }

    private void Line(string text) => _out.Append(text).Append('\n');

    private static int[] ParseIds(string text, string what) =>
        TranscriptCommand.SplitList(text).Select(t => (int)TranscriptCommand.ParseLong(t, what + " id", 1, int.MaxValue)).ToArray();

    private Peer Known(int id) =>
        _peers.TryGetValue(id, out var peer)
            ? peer
            : throw new TranscriptInputException(_peers.Count == 0 ? $"there is no node {id}: add nodes first (add-nodes)" : $"there is no node {id}; the nodes are {string.Join(",", _peers.Keys)}");

    private Peer Up(string token)
    {
        var peer = Known((int)TranscriptCommand.ParseLong(token, "node", 1, int.MaxValue));
        return peer.Node is not null ? peer : throw new TranscriptInputException($"node {peer.Id} is down; restart it first");
    }

    /// <summary>The nodes named (<c>1 2</c>, <c>(1,2)</c>) or every node (<c>all</c>, skipping down ones when <paramref name="upOnly"/>).</summary>
    private List<Peer> Select(IReadOnlyList<string> tokens, bool upOnly)
    {
        if (tokens is ["all"])
        {
            return _peers.Values.Where(p => !upOnly || p.Node is not null).ToList();
        }

        var selected = new List<Peer>();
        foreach (var token in tokens)
        {
            foreach (var id in ParseIds(token, "node"))
            {
                var peer = upOnly ? Up(id.ToString(CultureInfo.InvariantCulture)) : Known(id);
                if (!selected.Contains(peer))
                {
                    selected.Add(peer);
                }
            }
        }

        return selected;
    }

    /// <summary>The state machine's snapshot: every applied entry (index, term, kind, data), so a restored node can print them.</summary>
    private static byte[] EncodeApplied(IEnumerable<LogEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var list = entries.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), list.Length);
        buffer.Advance(4);
        foreach (var e in list)
        {
            var span = buffer.GetSpan(21 + e.Data.Length);
            BinaryPrimitives.WriteInt64LittleEndian(span, e.Index);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], e.Term);
            span[16] = (byte)e.Kind;
            BinaryPrimitives.WriteInt32LittleEndian(span[17..], e.Data.Length);
            e.Data.Span.CopyTo(span[21..]);
            buffer.Advance(21 + e.Data.Length);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static List<LogEntry> DecodeApplied(ReadOnlySpan<byte> data)
    {
        var entries = new List<LogEntry>();
        if (data.Length < 4)
        {
            throw new FormatException($"a snapshot of {data.Length} bytes is shorter than its count");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(data);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            if (data.Length - offset < 21)
            {
                throw new FormatException($"the snapshot is truncated at entry {i} of {count}");
            }

            var span = data[offset..];
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[17..]);
            if (length < 0 || length > span.Length - 21)
            {
                throw new FormatException($"the snapshot's entry {i} claims {length} bytes");
            }

            entries.Add(new LogEntry(BinaryPrimitives.ReadInt64LittleEndian(span), BinaryPrimitives.ReadInt64LittleEndian(span[8..]), (EntryKind)span[16], span.Slice(21, length).ToArray()));
            offset += 21 + length;
        }

        return entries;
    }

    /// <summary>The transcript's side of one node's <see cref="ReadyDriver"/>: one batch per call, printed when taken.</summary>
    private sealed class PeerHandler(TranscriptEnv env, Peer peer) : IConsensusReadyHandler
    {
        private bool _taken;
        private ConsensusStatus? _status;

        public ReadyDriver? Driver { get; set; }

        public ReadyDrain HandleOne()
        {
            _taken = false;
            return Driver!.Drain();
        }

        public bool Continue(ReadyStage stage, Ready? ready, int index)
        {
            switch (stage)
            {
                case ReadyStage.Next:
                    if (_taken)
                    {
                        return false;
                    }

                    _status = peer.Node!.Status; // as it was before the batch, which the printout shows
                    return true;
                case ReadyStage.Received:
                    _taken = true;
                    env.PrintReady(peer, _status!, ready!);
                    return true;
                default:
                    return true;
            }
        }

        public void Send(IProtocolMessage message) => env.Send(message);

        public void Restore(Snapshot snapshot) => peer.Restore(snapshot);

        public void Apply(LogEntry entry) => peer.Apply(entry);

        public void ServeRead(ReadState read)
        {
            // Read states are printed with the Ready that carries them.
        }

        public ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex) => ReadOnlyMemory<byte>.Empty; // snapshots are the compact command's
    }

    private sealed class Peer(int id, SimDirectory disk, Membership initial, IConfiguration options, int seed)
    {
        public int Id { get; } = id;

        public SimDirectory Disk { get; } = disk;

        public Membership Initial { get; } = initial;

        public IConfiguration Options { get; } = options;

        public int Seed { get; } = seed;

        public int Starts { get; set; }

        public IConsensusStorage? Storage { get; set; }

        public IConsensusNode? Node { get; set; }

        /// <summary>The runtime side of the node's Ready driver (replaced at every start).</summary>
        public PeerHandler? Handler { get; set; }

        /// <summary>The state machine: every entry handed out for applying, in order (a snapshot install replaces it).</summary>
        public List<LogEntry> Applied { get; } = [];

        public long AppliedIndex { get; set; }

        /// <summary>The role, term and leader last printed with a Ready, so only changes are printed.</summary>
        public string? LastState { get; set; }

        public void Apply(in LogEntry entry)
        {
            if (entry.Index != AppliedIndex + 1)
            {
                throw new InvalidOperationException($"node {Id} handed out entry {entry.Index} for applying after {AppliedIndex}: applied entries must be contiguous");
            }

            Applied.Add(entry);
            AppliedIndex = entry.Index;
        }

        public void Restore(Snapshot snapshot)
        {
            List<LogEntry> entries;
            try
            {
                entries = DecodeApplied(snapshot.Data.Span);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"node {Id} got a snapshot whose data is not what the transcript's state machine wrote: {ex.Message}", ex);
            }

            Applied.Clear();
            Applied.AddRange(entries);
            AppliedIndex = snapshot.Index;
        }
    }
}
