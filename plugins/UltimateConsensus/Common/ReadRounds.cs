using Kernel.Sdk.Cluster;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Common;

/// <summary>
/// Linearizable reads a leader holds until a quorum confirms it still leads (etcd's ReadIndex): each read remembers the
/// heartbeat round the leader sent after it arrived and the commit index then; once a quorum of voters has answered that
/// round (or a later one) the read is released, oldest first, to the responder given at construction.
/// </summary>
internal sealed class ReadRounds(Action<NodeId, long, ReadOnlyMemory<byte>> respond)
{
    private readonly List<PendingRead> _pending = [];

    /// <summary>Holds a read from <paramref name="from"/> at commit index <paramref name="index"/> until round <paramref name="round"/> is confirmed.</summary>
    public void Add(long round, long index, NodeId from, ReadOnlyMemory<byte> context) => _pending.Add(new PendingRead(round, index, from, context));

    /// <summary>Drops every held read (leadership lost).</summary>
    public void Clear() => _pending.Clear();

    /// <summary>
    /// The latest round a quorum of <paramref name="voters"/> answered: this node's own is <paramref name="ownRound"/>,
    /// the others' come from their progress; 0 when none is.
    /// </summary>
    public static long Confirmed(IReadOnlyList<NodeId> voters, NodeId self, long ownRound, Dictionary<NodeId, Progress> progress, int quorum)
    {
        Span<long> acked = voters.Count <= 16 ? stackalloc long[voters.Count] : new long[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            acked[i] = voters[i] == self ? ownRound : progress.TryGetValue(voters[i], out var pr) ? pr.AckedReadSeq : 0;
        }

        return QuorumIndex.Of(acked, quorum);
    }

    /// <summary>Releases, oldest first, the reads whose round is at or before <paramref name="confirmed"/>.</summary>
    public void Release(long confirmed)
    {
        var released = 0;
        while (released < _pending.Count && _pending[released].Round <= confirmed)
        {
            var read = _pending[released++];
            respond(read.From, read.Index, read.Context);
        }

        _pending.RemoveRange(0, released);
    }

    private sealed record PendingRead(long Round, long Index, NodeId From, ReadOnlyMemory<byte> Context);
}
