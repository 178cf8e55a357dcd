using System.Buffers.Binary;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Storage.Consensus;
using Microsoft.Extensions.Configuration;

namespace MyPlugin;

/// <summary>
/// consensus/mini-raft: a small Raft as a pure state machine. Elections with the up-to-date-log rule, log replication
/// that commits only entries of the leader's own term by majority (a no-op starts each term), ReadIndex reads confirmed
/// by a heartbeat round, snapshots with InstallSnapshot, and a CRC-checked write-ahead log that is synced before anything
/// is acknowledged and whose torn tail is cut on restart. No membership changes and no leadership transfer (refused).
/// Options, in ticks: <c>electionTimeoutMinTicks</c> (default 10), <c>electionTimeoutMaxTicks</c> (20), <c>heartbeatIntervalTicks</c> (3).
/// </summary>
public sealed class MiniRaftStrategy : IConsensusStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Consensus;

    /// <inheritdoc />
    public string Name => "mini-raft";

    /// <inheritdoc />
    public string Description => "A small Raft: elections, log replication, ReadIndex reads, snapshots, CRC-checked WAL";

    /// <inheritdoc />
    public IMessageCodec Codec => MiniRaftCodec.Instance;

    /// <summary>What MiniRaft offers: a majority quorum and ReadIndex; no membership changes, no leadership transfer.</summary>
    public ConsensusCapabilities Capabilities { get; } = new() { ReadIndex = true };

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => MiniRaftTimings.Read(options, out _).Errors;

    /// <inheritdoc />
    /// <summary>The storage library's write-ahead log (CRC-checked records, torn-tail truncation): no WAL of our own to get wrong.</summary>
    public IConsensusStorage OpenStorage(IDurableDirectory directory) => WalStorage.Open(directory);

    /// <inheritdoc />
    public IConsensusNode CreateNode(ConsensusNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var reader = MiniRaftTimings.Read(options.Options, out var timings);
        reader.ThrowIfInvalid();
        return new MiniRaftNode(options, timings);
    }
}

/// <summary>The protocol's timings in ticks, read from the strategy's options.</summary>
internal readonly record struct MiniRaftTimings(int ElectionMin, int ElectionMax, int Heartbeat)
{
    public static OptionReader Read(IConfiguration options, out MiniRaftTimings timings)
    {
        var reader = new OptionReader(options);
        var min = reader.Int("electionTimeoutMinTicks", 10, 2, 10_000);
        var max = reader.Int("electionTimeoutMaxTicks", 20, 3, 10_000);
        var heartbeat = reader.Int("heartbeatIntervalTicks", 3, 1, 10_000);
        reader.RejectUnknown();
        if (min >= max)
        {
            reader.Fail($"Option 'electionTimeoutMinTicks' ({min}) must be less than 'electionTimeoutMaxTicks' ({max}).");
        }

        if (heartbeat >= min)
        {
            reader.Fail($"Option 'heartbeatIntervalTicks' ({heartbeat}) must be less than 'electionTimeoutMinTicks' ({min}).");
        }

        timings = new MiniRaftTimings(min, max, heartbeat);
        return reader;
    }
}

internal sealed class MiniRaftNode : IConsensusNode
{
    private const int MaxBatch = 64;

    private readonly NodeId _id;
    private readonly NodeId[] _peers;
    private readonly Membership _membership;
    private readonly int _quorum;
    private readonly Random _random;
    private readonly MiniRaftTimings _timings;
    private readonly List<LogEntry> _log = [];
    private readonly Dictionary<NodeId, long> _match = [];
    private readonly Dictionary<NodeId, long> _next = [];
    private readonly Dictionary<NodeId, long> _ackRound = [];
    private readonly HashSet<NodeId> _votes = [];
    private readonly List<(long Index, ReadOnlyMemory<byte> Context, long Round)> _pendingReads = [];
    private readonly List<ReadState> _readyReads = [];
    private readonly List<IProtocolMessage> _outbox = [];
    private readonly List<LogEntry> _unstable = [];

    private long _term;
    private NodeId _vote;
    private long _snapIndex;
    private long _snapTerm;
    private Snapshot? _snapshot;
    private Snapshot? _snapToPersist;
    private long _commit;
    private long _handedOut;
    private long _stable;
    private bool _hardDirty;
    private ConsensusRole _role = ConsensusRole.Follower;
    private NodeId _leader;
    private int _electionElapsed;
    private int _electionTimeout;
    private int _heartbeatElapsed;
    private long _readRound;
    private bool _readWaiting;

    public MiniRaftNode(ConsensusNodeOptions options, MiniRaftTimings timings)
    {
        _id = options.Id;
        _timings = timings;
        _random = options.Random;
        _membership = options.Recovered.Snapshot?.Membership ?? options.InitialMembership;
        _peers = [.. _membership.Voters.Where(v => v != _id)];
        _quorum = QuorumRule.Majority.Size(_membership.Voters.Count);
        var hs = options.Recovered.HardState.Span;
        if (hs.Length >= 12)
        {
            _term = BinaryPrimitives.ReadInt64LittleEndian(hs);
            _vote = new NodeId(BinaryPrimitives.ReadInt32LittleEndian(hs[8..]));
        }

        if (options.Recovered.Snapshot is { } s)
        {
            _snapIndex = s.Index;
            _snapTerm = s.Term;
            _snapshot = s;
        }

        foreach (var e in options.Recovered.Entries)
        {
            if (e.Index == LastIndex + 1)
            {
                _log.Add(e);
            }
        }

        _commit = _handedOut = _snapIndex;
        _stable = LastIndex;
        ResetElectionTimeout();
    }

    public NodeId Id => _id;

    public ConsensusStatus Status => new(_id, _role, _term, _leader, LastIndex, _commit, _handedOut, _membership);

    public bool HasReady =>
        _outbox.Count > 0 || _unstable.Count > 0 || _hardDirty || _snapToPersist is not null || _readyReads.Count > 0 || _commit > _handedOut;

    private long LastIndex => _snapIndex + _log.Count;

    public void Tick()
    {
        if (_role == ConsensusRole.Leader)
        {
            _heartbeatElapsed++;
            var beat = _heartbeatElapsed >= _timings.Heartbeat || _readWaiting;
            if (beat)
            {
                _heartbeatElapsed = 0;
                if (_readWaiting)
                {
                    _readRound++;
                    _readWaiting = false;
                }
            }

            foreach (var p in _peers)
            {
                if (beat || _next[p] <= LastIndex)
                {
                    SendAppend(p);
                }
            }

            return;
        }

        _electionElapsed++;
        if (_electionElapsed >= _electionTimeout)
        {
            Campaign();
        }
    }

    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (_role != ConsensusRole.Leader)
        {
            return ProposeResult.Refused("not the leader", _leader);
        }

        var entry = new LogEntry(LastIndex + 1, _term, EntryKind.Command, command.ToArray());
        _log.Add(entry);
        _unstable.Add(entry);
        return ProposeResult.Ok(entry.Index, entry.Term);
    }

    public ProposeResult ProposeMembershipChange(MembershipChange change) => ProposeResult.Refused("membership changes are not supported", _leader);

    public bool ReadIndex(ReadOnlyMemory<byte> context)
    {
        if (_role != ConsensusRole.Leader || TermAt(_commit) != _term)
        {
            return false;
        }

        // Reads are batched: the next tick's round of appends confirms every read asked for since the last one.
        _pendingReads.Add((_commit, context.ToArray(), _readRound + 1));
        _readWaiting = true;
        if (_quorum == 1)
        {
            _readRound++;
            ReleaseReads();
        }

        return true;
    }

    public bool TransferLeadership(NodeId target) => false;

    public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData)
    {
        if (index <= _snapIndex || index > _handedOut || index > LastIndex)
        {
            return null;
        }

        var term = TermAt(index);
        _log.RemoveRange(0, (int)(index - _snapIndex));
        _snapIndex = index;
        _snapTerm = term;
        _snapshot = new Snapshot(index, term, _membership, snapshotData.ToArray());
        return _snapshot;
    }

    public Ready GetReady()
    {
        var from = Math.Max(_handedOut, _snapIndex) + 1;
        var upTo = Math.Min(_commit, LastIndex);
        IReadOnlyList<LogEntry> committed = upTo < from ? [] : _log.GetRange((int)(from - _snapIndex - 1), (int)(upTo - from + 1));

        var hard = Array.Empty<byte>();
        if (_hardDirty)
        {
            hard = new byte[12];
            BinaryPrimitives.WriteInt64LittleEndian(hard, _term);
            BinaryPrimitives.WriteInt32LittleEndian(hard.AsSpan(8), _vote.Value);
        }

        return new Ready
        {
            HardState = hard,
            Snapshot = _snapToPersist,
            Entries = _unstable.Count == 0 ? [] : [.. _unstable],
            Messages = _outbox.Count == 0 ? [] : [.. _outbox],
            CommittedEntries = committed,
            ReadStates = _readyReads.Count == 0 ? [] : [.. _readyReads],
            MustSync = _unstable.Count > 0 || _hardDirty || _snapToPersist is not null,
        };
    }

    public void Advance(Ready ready)
    {
        if (ready.Entries.Count > 0)
        {
            _stable = Math.Min(LastIndex, Math.Max(_stable, ready.Entries[^1].Index));
            _unstable.RemoveRange(0, Math.Min(ready.Entries.Count, _unstable.Count));
        }

        _outbox.RemoveRange(0, Math.Min(ready.Messages.Count, _outbox.Count));
        _readyReads.RemoveRange(0, Math.Min(ready.ReadStates.Count, _readyReads.Count));
        if (ready.CommittedEntries.Count > 0)
        {
            _handedOut = Math.Max(_handedOut, ready.CommittedEntries[^1].Index);
        }

        if (ready.Snapshot is not null)
        {
            _snapToPersist = null;
        }

        if (!ready.HardState.IsEmpty)
        {
            _hardDirty = false;
        }

        if (_role == ConsensusRole.Leader)
        {
            MaybeCommit();
        }
    }

    public void Step(IProtocolMessage message)
    {
        if (message is not MiniRaftMessage m || m.To != _id)
        {
            return;
        }

        if (m.Term > _term)
        {
            BecomeFollower(m.Term, m.Type is MiniRaftMessageType.Append or MiniRaftMessageType.InstallSnapshot ? m.From : NodeId.None);
        }
        else if (m.Term < _term)
        {
            if (m.Type == MiniRaftMessageType.Vote)
            {
                Send(new MiniRaftMessage(MiniRaftMessageType.VoteReply, _id, m.From, _term) { Success = false });
            }
            else if (m.Type is MiniRaftMessageType.Append or MiniRaftMessageType.InstallSnapshot)
            {
                Send(new MiniRaftMessage(MiniRaftMessageType.AppendReply, _id, m.From, _term) { Success = false, Index = LastIndex });
            }

            return;
        }

        switch (m.Type)
        {
            case MiniRaftMessageType.Vote:
                OnVote(m);
                break;
            case MiniRaftMessageType.VoteReply:
                if (_role == ConsensusRole.Candidate && m.Success)
                {
                    _votes.Add(m.From);
                    if (_votes.Count >= _quorum)
                    {
                        BecomeLeader();
                    }
                }

                break;
            case MiniRaftMessageType.Append:
                OnAppend(m);
                break;
            case MiniRaftMessageType.InstallSnapshot:
                OnInstallSnapshot(m);
                break;
            case MiniRaftMessageType.AppendReply:
                OnAppendReply(m);
                break;
        }
    }

    private void OnVote(MiniRaftMessage m)
    {
        var lastTerm = TermAt(LastIndex);
        var upToDate = m.LogTerm > lastTerm || (m.LogTerm == lastTerm && m.Index >= LastIndex);
        var grant = (_vote.IsNone || _vote == m.From) && upToDate && _role != ConsensusRole.Leader;
        if (grant)
        {
            _vote = m.From;
            _hardDirty = true;
            _electionElapsed = 0;
        }

        Send(new MiniRaftMessage(MiniRaftMessageType.VoteReply, _id, m.From, _term) { Success = grant });
    }

    private void OnAppend(MiniRaftMessage m)
    {
        FollowLeader(m.From);
        var prev = m.Index;
        var prevTerm = m.LogTerm;
        var entries = m.Entries;
        if (prev < _snapIndex)
        {
            // Everything up to the snapshot is committed, hence identical to the leader's log.
            var skip = (int)Math.Min(entries.Count, _snapIndex - prev);
            entries = [.. entries.Skip(skip)];
            prev += skip;
            if (prev < _snapIndex)
            {
                Reply(m, true, prev);
                return;
            }

            prevTerm = _snapTerm;
        }

        if (prev > LastIndex || TermAt(prev) != prevTerm)
        {
            Reply(m, false, prev > LastIndex ? LastIndex : prev - 1);
            return;
        }

        foreach (var e in entries)
        {
            if (e.Index <= LastIndex)
            {
                if (TermAt(e.Index) == e.Term)
                {
                    continue;
                }

                TruncateFrom(e.Index);
            }

            _log.Add(e);
            _unstable.Add(e);
        }

        var lastNew = prev + entries.Count;
        if (m.Commit > _commit)
        {
            _commit = Math.Max(_commit, Math.Min(m.Commit, lastNew));
        }

        Reply(m, true, lastNew);
    }

    private void OnInstallSnapshot(MiniRaftMessage m)
    {
        FollowLeader(m.From);
        var s = m.Snapshot!;
        if (s.Index <= _commit)
        {
            Reply(m, true, s.Index);
            return;
        }

        if (s.Index <= LastIndex && TermAt(s.Index) == s.Term)
        {
            _log.RemoveRange(0, (int)(s.Index - _snapIndex));
        }
        else
        {
            _log.Clear();
        }

        _unstable.RemoveAll(e => e.Index <= s.Index || e.Index > s.Index + _log.Count);
        _snapIndex = s.Index;
        _snapTerm = s.Term;
        _snapshot = s;
        _snapToPersist = s;
        _commit = _handedOut = s.Index;
        _stable = Math.Min(_stable, LastIndex);
        Reply(m, true, s.Index);
    }

    private void OnAppendReply(MiniRaftMessage m)
    {
        if (_role != ConsensusRole.Leader)
        {
            return;
        }

        if (m.ReadRound > _ackRound[m.From])
        {
            _ackRound[m.From] = m.ReadRound;
            ReleaseReads();
        }

        if (m.Success)
        {
            if (m.Index > _match[m.From])
            {
                _match[m.From] = m.Index;
                MaybeCommit();
            }

            // More entries wait for the next tick: one append per follower per tick batches every proposal since.
            _next[m.From] = Math.Max(_next[m.From], _match[m.From] + 1);
        }
        else
        {
            _next[m.From] = Math.Max(_match[m.From] + 1, Math.Min(_next[m.From] - 1, m.Index + 1));
            SendAppend(m.From);
        }
    }

    private void ReleaseReads()
    {
        for (var i = 0; i < _pendingReads.Count;)
        {
            var r = _pendingReads[i];
            var acks = 1 + _peers.Count(p => _ackRound[p] >= r.Round);
            if (acks >= _quorum)
            {
                _readyReads.Add(new ReadState(r.Index, r.Context));
                _pendingReads.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
    }

    private void MaybeCommit()
    {
        for (var n = LastIndex; n > _commit; n--)
        {
            if (TermAt(n) != _term)
            {
                break;
            }

            var count = (_stable >= n ? 1 : 0) + _peers.Count(p => _match[p] >= n);
            if (count >= _quorum)
            {
                _commit = n;
                break;
            }
        }
    }

    private void Campaign()
    {
        _term++;
        _role = ConsensusRole.Candidate;
        _vote = _id;
        _hardDirty = true;
        _leader = NodeId.None;
        _votes.Clear();
        _votes.Add(_id);
        _pendingReads.Clear();
        ResetElectionTimeout();
        if (_votes.Count >= _quorum)
        {
            BecomeLeader();
            return;
        }

        foreach (var p in _peers)
        {
            Send(new MiniRaftMessage(MiniRaftMessageType.Vote, _id, p, _term) { Index = LastIndex, LogTerm = TermAt(LastIndex) });
        }
    }

    private void BecomeLeader()
    {
        _role = ConsensusRole.Leader;
        _leader = _id;
        _heartbeatElapsed = 0;
        foreach (var p in _peers)
        {
            _next[p] = LastIndex + 1;
            _match[p] = 0;
            _ackRound[p] = 0;
        }

        var noop = new LogEntry(LastIndex + 1, _term, EntryKind.Noop, ReadOnlyMemory<byte>.Empty);
        _log.Add(noop);
        _unstable.Add(noop);
        foreach (var p in _peers)
        {
            SendAppend(p);
        }
    }

    private void BecomeFollower(long term, NodeId leader)
    {
        _term = term;
        _vote = NodeId.None;
        _hardDirty = true;
        _role = ConsensusRole.Follower;
        _leader = leader;
        _pendingReads.Clear();

        // The election timer is not reset here: a node with a stale log that keeps campaigning must not hold everyone else back.
    }

    private void FollowLeader(NodeId leader)
    {
        if (_role != ConsensusRole.Follower)
        {
            _role = ConsensusRole.Follower;
            _pendingReads.Clear();
        }

        _leader = leader;
        _electionElapsed = 0;
    }

    private void SendAppend(NodeId peer)
    {
        var next = _next[peer];
        if (next <= _snapIndex && _snapshot is not null)
        {
            Send(new MiniRaftMessage(MiniRaftMessageType.InstallSnapshot, _id, peer, _term) { Snapshot = _snapshot, ReadRound = _readRound });
            return;
        }

        var prev = next - 1;
        var count = (int)Math.Clamp(LastIndex - prev, 0, MaxBatch);
        var entries = count == 0 ? [] : _log.GetRange((int)(next - _snapIndex - 1), count).ToArray();
        Send(new MiniRaftMessage(MiniRaftMessageType.Append, _id, peer, _term)
        {
            Index = prev,
            LogTerm = TermAt(prev),
            Commit = _commit,
            Entries = entries,
            ReadRound = _readRound,
        });
    }

    private void Reply(MiniRaftMessage m, bool success, long index) =>
        Send(new MiniRaftMessage(MiniRaftMessageType.AppendReply, _id, m.From, _term) { Success = success, Index = index, ReadRound = m.ReadRound });

    private void Send(MiniRaftMessage m) => _outbox.Add(m);

    private void TruncateFrom(long index)
    {
        _log.RemoveRange((int)(index - _snapIndex - 1), (int)(LastIndex - index + 1));
        _unstable.RemoveAll(e => e.Index >= index);
        _stable = Math.Min(_stable, index - 1);
    }

    private long TermAt(long index)
    {
        if (index == _snapIndex)
        {
            return _snapTerm;
        }

        if (index < _snapIndex || index > LastIndex)
        {
            return -1;
        }

        return _log[(int)(index - _snapIndex - 1)].Term;
    }

    private void ResetElectionTimeout() => _electionTimeout = _random.Next(_timings.ElectionMin, _timings.ElectionMax + 1);
}
