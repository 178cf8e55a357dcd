using Kernel.Sdk.Cluster;

namespace Kernel.Node.Runtime;

/// <summary>
/// The replies one gateway request collected, grouped by what they say (the log index and the response bytes): the
/// request is answered once <see cref="Needed"/> distinct replicas said the same (f+1, so at least one of them is
/// honest). A replica that replies twice counts once per group; one that says different things joins different groups,
/// where it alone cannot make up a quorum.
/// </summary>
internal sealed class ReplyTally(int needed)
{
    private readonly List<(long Index, byte[] Response, HashSet<NodeId> Replicas)> _groups = [];

    /// <summary>Matching replies from distinct replicas that answer the request.</summary>
    public int Needed { get; } = needed;

    /// <summary>Distinct answers heard so far.</summary>
    public int Groups => _groups.Count;

    /// <summary>Adds a reply; true (with the agreed index and response) when its group reaches <see cref="Needed"/> replicas.</summary>
    public bool Add(NodeId replica, long index, byte[] response, out long agreedIndex, out byte[] agreedResponse)
    {
        var group = _groups.FindIndex(g => g.Index == index && g.Response.AsSpan().SequenceEqual(response));
        if (group < 0)
        {
            _groups.Add((index, response, []));
            group = _groups.Count - 1;
        }

        var (i, r, replicas) = _groups[group];
        replicas.Add(replica);
        agreedIndex = i;
        agreedResponse = r;
        return replicas.Count >= Needed;
    }
}
