using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>A Raft paper property (Figure 3) found broken by <see cref="RaftPaperInvariants"/>.</summary>
internal sealed class RaftInvariantException(string message) : Exception(message);

/// <summary>
/// The five properties of Figure 3 of the Raft paper, checked against the live <see cref="RaftNode"/>s of a
/// <see cref="SimCluster"/> after every simulator event (<see cref="RaftSim"/> calls <see cref="Check"/> from the predicate of
/// <see cref="SimCluster.RunUntil"/>, which the simulator evaluates before each event, and after every direct action).
/// <list type="bullet">
/// <item>Election Safety: at most one leader per term (over the whole run, including crashed and restarted nodes).</item>
/// <item>Leader Append-Only: while a node leads a term, no entry of its log is overwritten or deleted (only compaction below the
/// snapshot index may drop entries).</item>
/// <item>Log Matching: every (index, term) pair ever seen in any log names one entry (same kind and payload) preceded by one term;
/// by induction two logs holding the same (index, term) are identical up to that index, over the part both still hold.</item>
/// <item>Leader Completeness: an entry committed in term T is in the log of every leader of a term at or after T (or below its
/// snapshot). T is the current term of the first node seen committing it: at or after the real commit term, so the check
/// never asks too much of a stale leader.</item>
/// <item>State Machine Safety: no two nodes commit or apply different entries at one index, and what is applied is what was
/// committed. (The simulator checks applied entries too; this also covers commit indexes in the logs.)</item>
/// </list>
/// Any violation throws <see cref="RaftInvariantException"/> at once, naming the node, index, term and virtual time.
/// </summary>
internal sealed class RaftPaperInvariants
{
    private readonly SimCluster _cluster;
    private readonly NodeView[] _views;
    private readonly Dictionary<long, NodeId> _leaderOfTerm = [];
    private readonly Dictionary<(long Index, long Term), (ulong Hash, long PrevTerm)> _entries = [];
    private readonly List<CommittedEntry?> _committed = [null];
    private readonly Dictionary<long, AppliedEntry> _applied = [];

    public RaftPaperInvariants(SimCluster cluster)
    {
        _cluster = cluster;
        _views = cluster.Nodes.Select(id => new NodeView(id)).ToArray();
    }

    /// <summary>Times <see cref="Check"/> ran.</summary>
    public long Checks { get; private set; }

    /// <summary>Highest index known committed.</summary>
    public long MaxCommitted => _committed.Count - 1;

    /// <summary>Distinct leaders seen, by term.</summary>
    public IReadOnlyDictionary<long, NodeId> LeaderOfTerm => _leaderOfTerm;

    /// <summary>6.5840's nCommitted: how many nodes ever applied <paramref name="index"/>, and what (null when none).</summary>
    public int NCommitted(long index, out byte[]? command)
    {
        if (_applied.TryGetValue(index, out var a))
        {
            command = a.Data;
            return a.Nodes.Count;
        }

        command = null;
        return 0;
    }

    /// <summary>The nodes that applied <paramref name="index"/> one by one (not through a snapshot).</summary>
    public IReadOnlySet<NodeId> AppliedBy(long index) => _applied.TryGetValue(index, out var a) ? a.Nodes : new HashSet<NodeId>();

    /// <summary>The kind of the entry applied at <paramref name="index"/>, if any node applied it.</summary>
    public EntryKind? AppliedKind(long index) => _applied.TryGetValue(index, out var a) ? a.Kind : null;

    public void Check()
    {
        Checks++;
        foreach (var v in _views)
        {
            CheckNode(v);
        }
    }

    private void CheckNode(NodeView v)
    {
        CheckApplied(v);
        if (_cluster.GetNode(v.Id) is not RaftNode node)
        {
            v.Node = null;
            v.Leading = false;
            return;
        }

        var fresh = !ReferenceEquals(node, v.Node);
        if (fresh)
        {
            // A (re)started node: a new incarnation, whose log is what it recovered from its WAL.
            v.Node = node;
            v.Leading = false;
            v.Shadow.Clear();
            v.ShadowSnapshotIndex = -1;
            v.Committed = 0;
        }

        var log = node.Log;
        var status = node.Status;
        var term = status.Term;
        var leading = status.Role == ConsensusRole.Leader;

        // Election Safety.
        if (leading)
        {
            if (_leaderOfTerm.TryGetValue(term, out var other))
            {
                if (other != v.Id)
                {
                    Fail("Election Safety", v, $"{v.Id} and {other} both lead term {term}");
                }
            }
            else
            {
                _leaderOfTerm[term] = v.Id;
            }
        }

        var sameLeadership = v.Leading && leading && v.LeaderTerm == term;
        if (!sameLeadership)
        {
            v.CompletenessVerified = 0;
        }

        if (fresh || ++v.SinceFullScan >= 64 || LogChanged(v, log))
        {
            Rescan(v, log, sameLeadership, term);
        }

        if (log.Committed > v.Committed)
        {
            RecordCommits(v, log, term);
        }

        v.Leading = leading;
        v.LeaderTerm = leading ? term : 0;
        if (leading)
        {
            CheckCompleteness(v, log, term);
        }
    }

    private static bool LogChanged(NodeView v, RaftLog log)
    {
        if (log.SnapshotIndex != v.ShadowSnapshotIndex || log.LastIndex != v.ShadowSnapshotIndex + v.Shadow.Count)
        {
            return true;
        }

        // Appending always ends the log with a new entry object: an unchanged last entry means an unchanged log (the periodic
        // full scan covers the corner of a rewrite ending in an identical empty entry).
        return v.Shadow.Count > 0 && !Same(log.Entry(log.LastIndex), v.Shadow[^1], deep: false);
    }

    private void Rescan(NodeView v, RaftLog log, bool sameLeadership, long term)
    {
        v.SinceFullScan = 0;
        var shadowFirst = v.ShadowSnapshotIndex + 1;
        var shadowLast = v.ShadowSnapshotIndex + v.Shadow.Count;

        // Leader Append-Only: everything the leader held (above its snapshot) is still there, unchanged.
        if (sameLeadership && v.ShadowSnapshotIndex >= 0)
        {
            if (log.LastIndex < shadowLast)
            {
                Fail("Leader Append-Only", v, $"leader {v.Id} of term {term} shrank its log from {shadowLast} to {log.LastIndex}");
            }

            for (var i = Math.Max(shadowFirst, log.FirstIndex); i <= shadowLast; i++)
            {
                if (!Same(log.Entry(i), v.Shadow[(int)(i - shadowFirst)], deep: true))
                {
                    Fail("Leader Append-Only", v, $"leader {v.Id} of term {term} overwrote its entry {i} (term {v.Shadow[(int)(i - shadowFirst)].Term} -> {log.Entry(i).Term})");
                }
            }
        }

        // First index whose entry is not the one already validated.
        var first = log.FirstIndex;
        var d = first;
        while (d <= log.LastIndex && d >= shadowFirst && d <= shadowLast && Same(log.Entry(d), v.Shadow[(int)(d - shadowFirst)], deep: false))
        {
            d++;
        }

        // An entry at or below the node's commit index never changes, nor goes (other than into a snapshot).
        if (v.ShadowSnapshotIndex >= 0 && log.LastIndex < v.Committed)
        {
            Fail("State Machine Safety", v, $"{v.Id} cut its log to {log.LastIndex}, below its commit index {v.Committed}");
        }

        if (d <= Math.Min(v.Committed, shadowLast) && d >= shadowFirst && d <= log.LastIndex && v.ShadowSnapshotIndex >= 0)
        {
            Fail("State Machine Safety", v, $"{v.Id} replaced its committed entry {d} (commit {v.Committed})");
        }

        // Log Matching over the changed part.
        for (var i = d; i <= log.LastIndex; i++)
        {
            var e = log.Entry(i);
            var prevTerm = log.Term(i - 1);
            var hash = Hash(e);
            if (_entries.TryGetValue((i, e.Term), out var known))
            {
                if (known.Hash != hash)
                {
                    Fail("Log Matching", v, $"{v.Id} holds a different entry at index {i} term {e.Term} than another log did");
                }

                if (prevTerm >= 0 && known.PrevTerm >= 0 && known.PrevTerm != prevTerm)
                {
                    Fail("Log Matching", v, $"{v.Id} holds entry ({i}, term {e.Term}) after an entry of term {prevTerm}, another log held it after term {known.PrevTerm}: the logs differ before {i}");
                }

                if (known.PrevTerm < 0 && prevTerm >= 0)
                {
                    _entries[(i, e.Term)] = (hash, prevTerm);
                }
            }
            else
            {
                _entries[(i, e.Term)] = (hash, prevTerm);
            }

            if (i <= log.Committed && i < _committed.Count && _committed[(int)i] is { } c && (c.Term != e.Term || c.Hash != hash))
            {
                Fail("State Machine Safety", v, $"{v.Id} commits entry {i} of term {e.Term}, but {c.By} committed entry {i} of term {c.Term}");
            }
        }

        v.ShadowSnapshotIndex = log.SnapshotIndex;
        v.Shadow.Clear();
        for (var i = log.FirstIndex; i <= log.LastIndex; i++)
        {
            v.Shadow.Add(log.Entry(i));
        }
    }

    private void RecordCommits(NodeView v, RaftLog log, long term)
    {
        var from = Math.Max(v.Committed, log.SnapshotIndex) + 1;
        for (var i = from; i <= log.Committed; i++)
        {
            var e = log.Entry(i);
            var hash = Hash(e);
            if (i < _committed.Count && _committed[(int)i] is { } c)
            {
                if (c.Term != e.Term || c.Hash != hash)
                {
                    Fail("State Machine Safety", v, $"{v.Id} committed entry {i} of term {e.Term}, but {c.By} committed entry {i} of term {c.Term}");
                }

                continue;
            }

            while (_committed.Count <= i)
            {
                _committed.Add(null);
            }

            if (i < _committed.Count - 1)
            {
                // A gap below the highest known commit got filled: leaders verify again from the start.
                foreach (var view in _views)
                {
                    view.CompletenessVerified = 0;
                }
            }

            _committed[(int)i] = new CommittedEntry(e.Term, hash, term, v.Id);
        }

        v.Committed = log.Committed;
    }

    private void CheckCompleteness(NodeView v, RaftLog log, long term)
    {
        for (var i = v.CompletenessVerified + 1; i < _committed.Count; i++)
        {
            if (_committed[(int)i] is not { } c || c.CommitTerm > term)
            {
                continue;
            }

            if (i < log.SnapshotIndex)
            {
                continue;
            }

            if (i == log.SnapshotIndex)
            {
                if (log.SnapshotTerm != c.Term)
                {
                    Fail("Leader Completeness", v, $"leader {v.Id} of term {term} has a snapshot at {i} of term {log.SnapshotTerm}, but entry {i} of term {c.Term} was committed in term {c.CommitTerm}");
                }

                continue;
            }

            if (i > log.LastIndex)
            {
                Fail("Leader Completeness", v, $"leader {v.Id} of term {term} ends its log at {log.LastIndex} and lacks entry {i} committed in term {c.CommitTerm}");
            }

            var e = log.Entry(i);
            if (e.Term != c.Term || Hash(e) != c.Hash)
            {
                Fail("Leader Completeness", v, $"leader {v.Id} of term {term} holds entry {i} of term {e.Term}, but entry {i} of term {c.Term} was committed in term {c.CommitTerm}");
            }
        }

        v.CompletenessVerified = _committed.Count - 1;
    }

    private void CheckApplied(NodeView v)
    {
        var applied = _cluster.AppliedEntries(v.Id);
        for (var k = v.AppliedSeen; k < applied.Count; k++)
        {
            var e = applied[k];
            var hash = Hash(e);
            if (_applied.TryGetValue(e.Index, out var a))
            {
                if (a.Hash != hash)
                {
                    Fail("State Machine Safety", v, $"{v.Id} applied a different entry at index {e.Index} than {string.Join(",", a.Nodes)}");
                }

                a.Nodes.Add(v.Id);
            }
            else
            {
                _applied[e.Index] = new AppliedEntry(hash, e.Kind, e.Data.ToArray(), [v.Id]);
            }

            if (e.Index < _committed.Count && _committed[(int)e.Index] is { } c && (c.Term != e.Term || c.Hash != hash))
            {
                Fail("State Machine Safety", v, $"{v.Id} applied entry {e.Index} of term {e.Term}, but entry {e.Index} of term {c.Term} was committed");
            }
        }

        v.AppliedSeen = applied.Count;
    }

    private void Fail(string property, NodeView v, string what) =>
        throw new RaftInvariantException(
            $"{property} violated at {_cluster.Now.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms (seed {_cluster.Seed}, node {v.Id}): {what}");

    private static bool Same(LogEntry a, LogEntry b, bool deep) =>
        a.Index == b.Index && a.Term == b.Term && a.Kind == b.Kind
        && (a.Data.Equals(b.Data) || (deep && a.Data.Span.SequenceEqual(b.Data.Span)));

    /// <summary>FNV-1a over the kind and the payload.</summary>
    internal static ulong Hash(LogEntry e)
    {
        var h = 14695981039346656037UL;
        h = (h ^ (byte)e.Kind) * 1099511628211UL;
        foreach (var b in e.Data.Span)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return h;
    }

    private sealed record CommittedEntry(long Term, ulong Hash, long CommitTerm, NodeId By);

    private sealed record AppliedEntry(ulong Hash, EntryKind Kind, byte[] Data, HashSet<NodeId> Nodes);

    private sealed class NodeView(NodeId id)
    {
        public NodeId Id { get; } = id;

        public RaftNode? Node { get; set; }

        public bool Leading { get; set; }

        public long LeaderTerm { get; set; }

        public long CompletenessVerified { get; set; }

        /// <summary>The log as last validated: entries after <see cref="ShadowSnapshotIndex"/> (-1: nothing validated yet).</summary>
        public List<LogEntry> Shadow { get; } = [];

        public long ShadowSnapshotIndex { get; set; } = -1;

        public long Committed { get; set; }

        public int AppliedSeen { get; set; }

        public int SinceFullScan { get; set; }
    }
}
