using System.Runtime.InteropServices;
using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Raft;

/// <summary>
/// The in-memory Raft log (etcd's raftLog with its unstable part): a snapshot point, the entries after it, the commit
/// index, the part not yet handed to storage and the part not yet handed to the state machine.
/// Invariants: snapshotIndex &lt;= applied &lt;= applying &lt;= committed &lt;= lastIndex; entries are contiguous after the snapshot.
/// </summary>
internal sealed class RaftLog
{
    private readonly List<LogEntry> _entries = [];

    public RaftLog(Snapshot? snapshot, IReadOnlyList<LogEntry> entries, long committed)
    {
        Snapshot = snapshot;
        SnapshotIndex = snapshot?.Index ?? 0;
        SnapshotTerm = snapshot?.Term ?? 0;
        foreach (var e in entries)
        {
            if (e.Index <= SnapshotIndex)
            {
                continue;
            }

            if (e.Index != LastIndex + 1)
            {
                throw new ArgumentException($"Recovered entries are not contiguous after the snapshot at {SnapshotIndex}: got {e.Index} after {LastIndex}.", nameof(entries));
            }

            _entries.Add(e);
        }

        Committed = Math.Clamp(committed, SnapshotIndex, LastIndex);
        Applying = SnapshotIndex;
        Applied = SnapshotIndex;
        UnstableFrom = LastIndex + 1;
    }

    /// <summary>The latest snapshot (received or made by compaction), or null.</summary>
    public Snapshot? Snapshot { get; private set; }

    public long SnapshotIndex { get; private set; }

    public long SnapshotTerm { get; private set; }

    /// <summary>A snapshot received from a leader and not yet handed out in a Ready.</summary>
    public Snapshot? PendingSnapshot { get; private set; }

    public long FirstIndex => SnapshotIndex + 1;

    public long LastIndex => SnapshotIndex + _entries.Count;

    public long LastTerm => Term(LastIndex);

    public long Committed { get; private set; }

    /// <summary>The last index handed out for applying.</summary>
    public long Applying { get; private set; }

    /// <summary>The last index the runtime said it applied.</summary>
    public long Applied { get; private set; }

    /// <summary>The first index not yet handed to storage.</summary>
    public long UnstableFrom { get; private set; }

    /// <summary>Number of entries held in memory.</summary>
    public int Count => _entries.Count;

    /// <summary>The term of entry <paramref name="index"/>; -1 when compacted away or beyond the end.</summary>
    public long Term(long index)
    {
        if (index == SnapshotIndex)
        {
            return SnapshotTerm;
        }

        if (index < SnapshotIndex || index > LastIndex)
        {
            return -1;
        }

        return _entries[(int)(index - SnapshotIndex - 1)].Term;
    }

    public LogEntry Entry(long index) => _entries[(int)(index - SnapshotIndex - 1)];

    public bool MatchTerm(long index, long term) => Term(index) is var t && t >= 0 && t == term;

    /// <summary>True when a log ending at (lastIndex, lastTerm) is at least as up to date as this one (Raft §5.4.1).</summary>
    public bool IsUpToDate(long lastIndex, long lastTerm) => lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex);

    /// <summary>The index of the first entry that is new or conflicts with this log, or 0 if all are present.</summary>
    public long FindConflict(IReadOnlyList<LogEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (!MatchTerm(e.Index, e.Term))
            {
                return e.Index;
            }
        }

        return 0;
    }

    /// <summary>
    /// The largest index at or below <paramref name="index"/> whose term is at most <paramref name="term"/>, with its term
    /// (etcd's findConflictByTerm); stops at the snapshot, returning its term, or (index, 0) when compacted.
    /// </summary>
    public (long Index, long Term) FindConflictByTerm(long index, long term)
    {
        index = Math.Min(index, LastIndex);
        for (; index >= SnapshotIndex; index--)
        {
            var t = Term(index);
            if (t < 0)
            {
                break;
            }

            if (t <= term)
            {
                return (index, t);
            }
        }

        return (Math.Max(index, 0), 0);
    }

    /// <summary>
    /// AppendEntries on a follower: when the log holds (prevIndex, prevTerm), appends the new part of
    /// <paramref name="entries"/> (truncating a conflicting suffix), advances the commit index and returns the last
    /// index known to match the leader; otherwise returns null.
    /// <paramref name="appendedFrom"/> is the first index written (0 when the log already held everything).
    /// </summary>
    public long? MaybeAppend(long prevIndex, long prevTerm, long commit, IReadOnlyList<LogEntry> entries, out long appendedFrom)
    {
        appendedFrom = 0;
        if (!MatchTerm(prevIndex, prevTerm))
        {
            return null;
        }

        var lastNew = prevIndex + entries.Count;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            if (conflict <= Committed)
            {
                throw new InvalidOperationException($"Entry {conflict} conflicts with the committed log (commit {Committed}).");
            }

            appendedFrom = conflict;
            var start = (int)(conflict - entries[0].Index);
            Append(start == 0 ? entries : entries.Skip(start).ToArray());
        }

        CommitTo(Math.Min(commit, lastNew));
        return lastNew;
    }

    /// <summary>Appends entries whose first index is at most LastIndex + 1, discarding what follows it.</summary>
    public void Append(IReadOnlyList<LogEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var first = entries[0].Index;
        if (first <= Committed || first > LastIndex + 1)
        {
            throw new InvalidOperationException($"Cannot append at {first}: commit {Committed}, last {LastIndex}.");
        }

        var keep = (int)(first - SnapshotIndex - 1);
        if (keep < _entries.Count)
        {
            _entries.RemoveRange(keep, _entries.Count - keep);
        }

        _entries.AddRange(entries);
        UnstableFrom = Math.Min(UnstableFrom, first);
    }

    /// <summary>Appends one entry right after the last one (a leader's own proposal).</summary>
    public void Append(in LogEntry entry)
    {
        if (entry.Index != LastIndex + 1 || entry.Index <= Committed)
        {
            throw new InvalidOperationException($"Cannot append {entry.Index} alone: commit {Committed}, last {LastIndex}.");
        }

        _entries.Add(entry);
        UnstableFrom = Math.Min(UnstableFrom, entry.Index);
    }

    /// <summary>
    /// Drops the entries after <paramref name="index"/> (at or above the commit index, within the log). Storage keeps them
    /// until a later append replaces them, so a protocol that truncates (VR adopting a primary's log) records the valid
    /// end of its log in its own hard state.
    /// </summary>
    public void TruncateAfter(long index)
    {
        if (index < Committed || index < SnapshotIndex || index > LastIndex)
        {
            throw new InvalidOperationException($"Cannot truncate after {index}: snapshot {SnapshotIndex}, commit {Committed}, last {LastIndex}.");
        }

        var keep = (int)(index - SnapshotIndex);
        _entries.RemoveRange(keep, _entries.Count - keep);
        UnstableFrom = Math.Min(UnstableFrom, index + 1);
    }

    /// <summary>The payload bytes (data lengths) of the entries in [lo, hi), which must be in memory.</summary>
    public long PayloadBytes(long lo, long hi)
    {
        lo = Math.Max(lo, FirstIndex);
        hi = Math.Min(hi, LastIndex + 1);
        var all = CollectionsMarshal.AsSpan(_entries);
        long bytes = 0;
        for (var i = lo; i < hi; i++)
        {
            bytes += all[(int)(i - SnapshotIndex - 1)].Data.Length;
        }

        return bytes;
    }

    /// <summary>Entries in [lo, hi), at most <paramref name="maxCount"/> and <paramref name="maxBytes"/> (but at least one).</summary>
    public LogEntry[] Slice(long lo, long hi, long maxBytes, int maxCount)
    {
        if (lo < FirstIndex)
        {
            throw new InvalidOperationException($"Entries from {lo} are compacted (first index {FirstIndex}).");
        }

        hi = Math.Min(hi, LastIndex + 1);
        var all = CollectionsMarshal.AsSpan(_entries);
        var start = (int)(lo - SnapshotIndex - 1);
        var available = (int)Math.Max(0, Math.Min(hi - lo, maxCount));
        var count = 0;
        long bytes = 0;
        while (count < available)
        {
            var size = all[start + count].Size;
            if (count > 0 && bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            count++;
        }

        return count == 0 ? [] : all.Slice(start, count).ToArray();
    }

    public void CommitTo(long index)
    {
        if (index > Committed)
        {
            if (index > LastIndex)
            {
                throw new InvalidOperationException($"Commit {index} is beyond the last index {LastIndex}.");
            }

            Committed = index;
        }
    }

    /// <summary>Commits up to <paramref name="index"/> if that entry is of <paramref name="term"/> (Figure 8 rule).</summary>
    public bool MaybeCommit(long index, long term)
    {
        if (index > Committed && Term(index) == term)
        {
            CommitTo(index);
            return true;
        }

        return false;
    }

    /// <summary>Replaces the whole log with a snapshot received from a leader.</summary>
    public void Restore(Snapshot snapshot)
    {
        _entries.Clear();
        Snapshot = snapshot;
        SnapshotIndex = snapshot.Index;
        SnapshotTerm = snapshot.Term;
        Committed = snapshot.Index;
        Applying = snapshot.Index;
        Applied = snapshot.Index;
        UnstableFrom = snapshot.Index + 1;
        PendingSnapshot = snapshot;
    }

    /// <summary>
    /// Installs a snapshot received from a peer while keeping the entries after its index (a Paxos acceptor's accepted
    /// values there are its own, independent of the slots the snapshot covers). The record handed out for storage
    /// (<see cref="PendingSnapshot"/>) carries, when this log holds the snapshot's index, the term of this log's entry
    /// there, so that storage replaying the snapshot point keeps the entries after it (a label: the snapshot replaces that
    /// entry anyway). Returns that record.
    /// </summary>
    public Snapshot InstallKeepingLaterEntries(Snapshot snapshot)
    {
        if (snapshot.Index <= Committed)
        {
            throw new InvalidOperationException($"Snapshot at {snapshot.Index} is not past the commit index {Committed}.");
        }

        if (snapshot.Index >= LastIndex)
        {
            Restore(snapshot);
            return snapshot;
        }

        var local = snapshot with { Term = Term(snapshot.Index) };
        _entries.RemoveRange(0, (int)(snapshot.Index - SnapshotIndex));
        Snapshot = local;
        SnapshotIndex = local.Index;
        SnapshotTerm = local.Term;
        Committed = local.Index;
        Applying = local.Index;
        Applied = local.Index;
        UnstableFrom = Math.Max(UnstableFrom, local.Index + 1);
        PendingSnapshot = local;
        return local;
    }

    /// <summary>Drops entries up to the snapshot's index (which must be applied).</summary>
    public void Compact(Snapshot snapshot)
    {
        if (snapshot.Index <= SnapshotIndex)
        {
            return;
        }

        var drop = (int)Math.Min(snapshot.Index - SnapshotIndex, _entries.Count);
        _entries.RemoveRange(0, drop);
        Snapshot = snapshot;
        SnapshotIndex = snapshot.Index;
        SnapshotTerm = snapshot.Term;
        UnstableFrom = Math.Max(UnstableFrom, snapshot.Index + 1);
    }

    public LogEntry[] UnstableEntries() =>
        UnstableFrom > LastIndex ? [] : Slice(Math.Max(UnstableFrom, FirstIndex), LastIndex + 1, long.MaxValue, int.MaxValue);

    /// <summary>Entries handed out to storage up to (index, term) are durable, unless replaced meanwhile.</summary>
    public void StableTo(long index, long term)
    {
        if (Term(index) == term && index >= UnstableFrom)
        {
            UnstableFrom = index + 1;
        }
    }

    public void SnapshotHandedOut() => PendingSnapshot = null;

    public bool HasNextCommittedEntries => Committed > Applying;

    /// <summary>
    /// Hands out the committed entries not yet handed out, the first ones up to <paramref name="maxBytes"/> (by
    /// <see cref="LogEntry.Size"/>, at least one entry); the rest stay for the next call.
    /// </summary>
    public LogEntry[] TakeNextCommittedEntries(long maxBytes = long.MaxValue)
    {
        if (Committed <= Applying)
        {
            return [];
        }

        var from = Math.Max(Applying + 1, FirstIndex);
        var entries = Slice(from, Committed + 1, maxBytes, int.MaxValue);
        Applying = entries[^1].Index;
        return entries;
    }

    public void AppliedTo(long index)
    {
        if (index > Applied)
        {
            Applied = Math.Min(index, Applying);
        }
    }

    /// <summary>What <see cref="Kernel.Sdk.Consensus.IConsensusNode.Advance"/> does to the log: the batch's entries are durable, its committed entries applied.</summary>
    public void Advanced(Ready ready)
    {
        if (ready.Entries.Count > 0)
        {
            var last = ready.Entries[^1];
            StableTo(last.Index, last.Term);
        }

        if (ready.CommittedEntries.Count > 0)
        {
            AppliedTo(ready.CommittedEntries[^1].Index);
        }
    }
}
