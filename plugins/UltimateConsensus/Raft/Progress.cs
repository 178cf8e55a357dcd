namespace UltimateConsensus.Raft;

/// <summary>How a leader replicates to one follower (etcd's tracker.StateType).</summary>
internal enum ProgressState
{
    /// <summary>Next is a guess: one append at a time until the follower's match is found.</summary>
    Probe,

    /// <summary>Match is known: appends are pipelined, bounded by the inflight window.</summary>
    Replicate,

    /// <summary>A snapshot is on its way; nothing else is sent until it is acknowledged.</summary>
    Snapshot,
}

/// <summary>A leader's view of one follower (etcd's tracker.Progress).</summary>
internal sealed class Progress
{
    public Progress(long next, int maxInflight)
    {
        Next = next;
        Inflights = new Inflights(maxInflight);
    }

    public long Match { get; set; }

    public long Next { get; set; }

    public ProgressState State { get; private set; } = ProgressState.Probe;

    /// <summary>In probe state: an append was sent and no answer has come yet.</summary>
    public bool ProbeSent { get; set; }

    /// <summary>In snapshot state: the index of the snapshot sent.</summary>
    public long PendingSnapshot { get; private set; }

    /// <summary>In snapshot state: the leader tick at which the snapshot was sent (resent after an election timeout).</summary>
    public long SnapshotSentTick { get; private set; }

    /// <summary>Heard from since the last check-quorum round.</summary>
    public bool RecentActive { get; set; }

    /// <summary>The commit index last sent to this follower (etcd's sentCommit).</summary>
    public long SentCommit { get; set; }

    /// <summary>True when sending <paramref name="commit"/> may advance the follower's commit index (etcd's CanBumpCommit).</summary>
    public bool CanBumpCommit(long commit) => commit > SentCommit && SentCommit < Next - 1;

    /// <summary>Highest read round this follower acknowledged in the current term.</summary>
    public long AckedReadSeq { get; set; }

    public Inflights Inflights { get; }

    public bool IsPaused => State switch
    {
        ProgressState.Probe => ProbeSent,
        ProgressState.Replicate => Inflights.Full,
        _ => true,
    };

    public void BecomeProbe()
    {
        if (State == ProgressState.Snapshot)
        {
            var pending = PendingSnapshot;
            Reset(ProgressState.Probe);
            Next = Math.Max(Match + 1, pending + 1);
        }
        else
        {
            Reset(ProgressState.Probe);
            Next = Match + 1;
        }
    }

    public void BecomeReplicate()
    {
        Reset(ProgressState.Replicate);
        Next = Match + 1;
    }

    public void BecomeSnapshot(long snapshotIndex, long tick)
    {
        Reset(ProgressState.Snapshot);
        PendingSnapshot = snapshotIndex;
        SnapshotSentTick = tick;
    }

    /// <summary>Records an acknowledged index; false when it is stale.</summary>
    public bool MaybeUpdate(long index)
    {
        var updated = false;
        if (Match < index)
        {
            Match = index;
            updated = true;
            ProbeSent = false;
        }

        Next = Math.Max(Next, index + 1);
        return updated;
    }

    /// <summary>
    /// Handles a rejection of an append whose PrevLogIndex was <paramref name="rejected"/>; <paramref name="matchHint"/> is
    /// where the follower's log may match. False when the rejection is stale.
    /// </summary>
    public bool MaybeDecrTo(long rejected, long matchHint)
    {
        if (State == ProgressState.Replicate)
        {
            if (rejected <= Match)
            {
                return false;
            }

            Next = Match + 1;
            return true;
        }

        if (Next - 1 != rejected)
        {
            return false;
        }

        Next = Math.Max(Math.Min(rejected, matchHint + 1), Match + 1);
        ProbeSent = false;
        return true;
    }

    /// <summary>
    /// A heartbeat was answered at leader tick <paramref name="tick"/>: the follower is active and may be probed again, a
    /// full window frees its oldest slot (its answer may have been lost), and a snapshot sent at least
    /// <paramref name="snapshotRetryTicks"/> ago is taken as lost (probe again).
    /// </summary>
    public void HeartbeatAnswered(long tick, long snapshotRetryTicks)
    {
        RecentActive = true;
        ProbeSent = false;
        if (State == ProgressState.Replicate && Inflights.Full)
        {
            Inflights.FreeFirstOne();
        }

        if (State == ProgressState.Snapshot && tick - SnapshotSentTick >= snapshotRetryTicks)
        {
            BecomeProbe(); // the snapshot (or its answer) was lost: try again
        }
    }

    /// <summary>
    /// After an acknowledgement of <paramref name="index"/> was recorded: a probe found its match and replicates, a
    /// snapshot reaching the leader's log (<paramref name="firstIndex"/>) ends, the window frees what is acknowledged.
    /// </summary>
    public void Acknowledged(long index, long firstIndex)
    {
        switch (State)
        {
            case ProgressState.Probe:
                BecomeReplicate();
                break;
            case ProgressState.Snapshot when Match + 1 >= firstIndex:
                BecomeProbe();
                BecomeReplicate();
                break;
            case ProgressState.Replicate:
                Inflights.FreeLE(index);
                break;
        }
    }

    /// <summary>Accounts for an append carrying entries up to <paramref name="lastIndex"/> (or none).</summary>
    public void SentEntries(int count, long lastIndex)
    {
        switch (State)
        {
            case ProgressState.Replicate:
                if (count > 0)
                {
                    Next = lastIndex + 1;
                    Inflights.Add(lastIndex);
                }

                break;
            case ProgressState.Probe:
                ProbeSent = true;
                break;
        }
    }

    private void Reset(ProgressState state)
    {
        ProbeSent = false;
        PendingSnapshot = 0;
        State = state;
        Inflights.Reset();
    }

    public override string ToString() => $"{State} match={Match} next={Next} inflight={Inflights.Count}";
}

/// <summary>The last indexes of the appends in flight to one follower, oldest first, bounded by maxInflightAppends.</summary>
internal sealed class Inflights
{
    private readonly Queue<long> _queue = new();

    public Inflights(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    public int Count => _queue.Count;

    public bool Full => _queue.Count >= Capacity;

    public void Add(long lastIndex)
    {
        if (Full)
        {
            throw new InvalidOperationException("Inflight window is full.");
        }

        _queue.Enqueue(lastIndex);
    }

    /// <summary>Frees every append whose entries are all at or below <paramref name="index"/>.</summary>
    public void FreeLE(long index)
    {
        while (_queue.Count > 0 && _queue.Peek() <= index)
        {
            _queue.Dequeue();
        }
    }

    public void FreeFirstOne()
    {
        if (_queue.Count > 0)
        {
            _queue.Dequeue();
        }
    }

    public void Reset() => _queue.Clear();
}
