#!/usr/bin/env python3
"""Regenerates benchmarks/Mutants/patches/*.patch from the edits below (each an exact, unique replacement in
plugins/UltimateConsensus), with `git diff`, leaving the working tree as it was. Run from the repository root on a clean tree."""
import pathlib, subprocess, sys

P = "plugins/UltimateConsensus/"
N, L, W, G, S, O = P + "Raft/RaftNode.cs", P + "Raft/RaftLog.cs", P + "Storage/WalStorage.cs", P + "Raft/Progress.cs", P + "RaftStrategy.cs", P + "Raft/RaftOptions.cs"

# (name, description, [(file, old, new), ...])
MUTANTS = [
 ("figure8-commit-old-term", "Leader commits an entry of an earlier term by counting replicas (Figure 8 rule dropped)",
  [(L, "if (index > Committed && Term(index) == term)", "if (index > Committed && Term(index) > 0)")]),
 ("follower-commit-uncapped", "Follower commits min(leaderCommit, its last index) instead of min(leaderCommit, last new entry)",
  [(L, "CommitTo(Math.Min(commit, lastNew));", "CommitTo(Math.Min(commit, LastIndex));")]),
 ("truncate-conflict-off-by-one", "On a conflict the follower keeps the first conflicting entry (truncates one entry too late)",
  [(L, "var start = (int)(conflict - entries[0].Index);", "var start = (int)(conflict - entries[0].Index) + 1;")]),
 ("uptodate-index-only", "Vote granted to a longer log of a lower last term (up-to-date check ignores the term when the index is larger)",
  [(L, "lastTerm > LastTerm || (lastTerm == LastTerm && lastIndex >= LastIndex)", "lastTerm > LastTerm || lastIndex >= LastIndex")]),
 ("snapshot-restore-keeps-entries", "Installing a snapshot keeps the old in-memory entries (log not reset)",
  [(L, "        _entries.Clear();\n        Snapshot = snapshot;", "        Snapshot = snapshot;")]),
 ("vote-cleared-same-term", "Reset clears the vote even when the term does not change (step-down or lost election in the same term)",
  [(N, "        if (term != _term)\n        {\n            _term = term;\n            _vote = NodeId.None;\n        }",
       "        _term = term;\n        _vote = NodeId.None;")]),
 ("vote-not-restored", "The vote is not restored from the recovered hard state after a restart",
  [(N, "_vote = hardState.Vote;", "_vote = NodeId.None;")]),
 ("mustsync-no-vote", "A Ready whose only change is the vote is not forced to sync before the vote response goes out",
  [(N, "hardState.Term != _prevHardState.Term || hardState.Vote != _prevHardState.Vote || entries.Length > 0", "hardState.Term != _prevHardState.Term || entries.Length > 0")]),
 ("mustsync-no-term", "A Ready whose hard state changed only the term is not forced to sync",
  [(N, "hardState.Term != _prevHardState.Term || hardState.Vote != _prevHardState.Vote || entries.Length > 0", "hardState.Vote != _prevHardState.Vote || entries.Length > 0")]),
 ("mustsync-no-entries", "MustSync is false when entries are appended (only hard state or snapshot force a sync)",
  [(N, " || entries.Length > 0 || snapshot is not null,", " || snapshot is not null,")]),
 ("term-not-restored", "After a restart the term is taken from the last log entry instead of the persisted hard state",
  [(N, "        _term = hardState.Term;\n", "        _term = _log.LastTerm;\n")]),
 ("vote-not-persisted", "A hard state is emitted only when term or commit change: a new vote alone is never written",
  [(N, "HardState = hardState != _prevHardState ? hardState.Encode()", "HardState = hardState.Term != _prevHardState.Term || hardState.Commit != _prevHardState.Commit ? hardState.Encode()")]),
 ("accept-stale-term-append", "Appends from a leader of an older term are accepted instead of rejected",
  [(N, "        else if (m.Term < _term)\n", "        else if (m.Term < _term && m is not AppendRequest)\n")]),
 ("prevote-bumps-term", "A pre-vote request of a higher term makes the receiver adopt that term",
  [(N, "                case VoteRequest { PreVote: true }:\n                    break; // a pre-vote never changes our term\n", "")]),
 ("checkquorum-off-by-one", "Check-quorum keeps a leader that hears from one voter fewer than a quorum",
  [(N, "return active >= _membership.Quorum;", "return active >= _membership.Quorum - 1;")]),
 ("quorum-counts-learners", "The commit quorum counts learners' match indexes as if they were voters",
  [(N, "        var voters = _membership.Voters;\n        if (voters.Count == 0)", "        var voters = _membership.All.ToList();\n        if (voters.Count == 0)")]),
 ("snapshot-no-membership", "Installing a snapshot does not adopt the snapshot's membership",
  [(N, "                _membership = s.Membership;\n                _configIndex = s.Index;\n", "")]),
 ("readindex-no-confirm", "ReadIndex is answered at once without a heartbeat round confirming leadership",
  [(N, "if (_membership.Voters.Count == 1 && _membership.IsVoter(Id))", "if (_membership.IsVoter(Id))")]),
 ("readindex-before-term-commit", "ReadIndex served before the leader has committed an entry of its own term",
  [(N, "        if (_log.Term(_log.Committed) != _term)\n        {\n            // Until", "        if (_log.Term(_log.Committed) < 0)\n        {\n            // Until")]),
 ("lease-without-checkquorum", "Option validation accepts leaseReads without checkQuorum when preVote is on (as if pre-vote were enough)",
  [(O, "if (options.LeaseReads && !options.CheckQuorum)", "if (options.LeaseReads && !options.CheckQuorum && !options.PreVote)")]),
 ("apply-before-commit", "Entries up to the last index (not the commit index) are handed out for applying",
  [(L, "var entries = Slice(from, Committed + 1, maxBytes, int.MaxValue);", "var entries = Slice(from, LastIndex + 1, maxBytes, int.MaxValue);")]),
 ("probe-rejection-ignored", "A probe's rejection is taken as stale (compared with Next, not Next - 1): nextIndex never moves back (liveness)",
  [(G, "if (Next - 1 != rejected)", "if (Next != rejected)")]),
 ("heartbeat-commit-uncapped", "Heartbeats carry the leader's commit index uncapped by the follower's match",
  [(N, "var commit = Math.Min(pr.Match, _log.Committed);", "var commit = _log.Committed;")]),
 ("vote-for-second-candidate", "A node votes for another candidate in a term where it already voted (only the leader check remains)",
  [(N, "var canVote = _vote == m.From || (_vote.IsNone && _lead.IsNone)", "var canVote = _vote == m.From || _lead.IsNone")]),
 ("transfer-not-caught-up", "Leadership transfer sends TimeoutNow before the target's log has caught up",
  [(N, "        if (pr.Match == _log.LastIndex)\n        {\n            SendTimeoutNow(target);", "        if (pr.Match >= _log.Committed)\n        {\n            SendTimeoutNow(target);")]),
 ("membership-not-undone", "A membership entry replaced by a conflicting suffix is not undone (the config stays in force)",
  [(N, "(appendedFrom <= configIndex || entries.Any(e => e.Kind == EntryKind.Membership))", "entries.Any(e => e.Kind == EntryKind.Membership)")]),
 ("membership-concurrent-changes", "A membership change may be proposed while the previous one (or the leader's first entry) is uncommitted",
  [(N, "if (_pendingConfIndex > _log.Committed)", "if (_pendingConfIndex > _log.LastIndex)")]),
 ("compact-off-by-one", "Local compaction drops one entry too few, so indexes shift by one",
  [(L, "var drop = (int)Math.Min(snapshot.Index - SnapshotIndex, _entries.Count);", "var drop = (int)Math.Min(snapshot.Index - SnapshotIndex - 1, _entries.Count);")]),
 ("wal-segment-no-dirsync", "WAL: a new segment file is created without marking the directory for sync",
  [(W, "        _segments.Add(segment);\n        _directoryDirty = true;\n", "        _segments.Add(segment);\n")]),
 ("wal-torn-tail-kept", "WAL: a torn tail is left in place instead of truncated (later records land after garbage)",
  [(W, "                    directory.Truncate(segment.Name, offset); // torn write at the tail: drop it\n", "")]),
 ("wal-crc-unchecked", "WAL: record CRCs are not checked on replay",
  [(W, "        if (BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != RecordCrc(record))", "        if (BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != RecordCrc(record) && false)")]),
 ("wal-hardstate-before-entries", "WAL: a pending hard state is written before the entries of the same Append",
  [(W, "        BeginRecord(RecordType.Entries);\n        new BinaryOut(_record).Entries(entries);\n        EndRecord(entries[^1].Index);\n        WritePendingHardState();",
       "        WritePendingHardState();\n        BeginRecord(RecordType.Entries);\n        new BinaryOut(_record).Entries(entries);\n        EndRecord(entries[^1].Index);")]),
]

def main():
    root = pathlib.Path(subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip())
    out = root / "benchmarks/Mutants/patches"
    out.mkdir(parents=True, exist_ok=True)
    if subprocess.check_output(["git", "status", "--porcelain", "--", P], cwd=root, text=True).strip():
        sys.exit(f"{P} has uncommitted changes")
    tsv = ["id\tname\tdescription"]
    for i, (name, desc, edits) in enumerate(MUTANTS, 1):
        nn = f"{i:02d}"
        try:
            for f, old, new in edits:
                p = root / f
                text = p.read_text()
                if text.count(old) != 1:
                    sys.exit(f"{nn}-{name}: '{old[:60]}' occurs {text.count(old)} times in {f}")
                p.write_text(text.replace(old, new))
            diff = subprocess.check_output(["git", "diff", "--", P], cwd=root, text=True)
        finally:
            subprocess.check_call(["git", "checkout", "--", P], cwd=root)
        (out / f"{nn}-{name}.patch").write_text(f"# {desc}\n{diff}")
        tsv.append(f"{nn}\t{name}\t{desc}")
    (root / "benchmarks/Mutants/mutants.tsv").write_text("\n".join(tsv) + "\n")
    print(f"{len(MUTANTS)} patches in {out}")

main()
