namespace UltimateConsensus.Common;

/// <summary>
/// The quorum arithmetic the log-based protocols of this plugin share: given one value per voter (a match index, an
/// acknowledged read round), the largest value that at least <c>quorum</c> voters have reached.
/// </summary>
internal static class QuorumIndex
{
    /// <summary>
    /// The largest value reached by at least <paramref name="quorum"/> of <paramref name="values"/> (one per voter);
    /// sorts <paramref name="values"/> in place. 0 for no voters.
    /// </summary>
    public static long Of(Span<long> values, int quorum)
    {
        if (values.Length == 0 || quorum < 1 || quorum > values.Length)
        {
            return 0;
        }

        values.Sort();
        return values[values.Length - quorum];
    }
}
