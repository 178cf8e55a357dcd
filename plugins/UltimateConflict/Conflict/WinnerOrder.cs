using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;

namespace UltimateConflict.Conflict;

/// <summary>What a <see cref="WinnerOrder"/> compares first.</summary>
internal enum WinnerCriterion
{
    /// <summary>The higher timestamp wins.</summary>
    Latest,

    /// <summary>The lower timestamp wins.</summary>
    Earliest,

    /// <summary>The replica earlier in the priority list wins; a listed replica beats an unlisted one.</summary>
    Priority,
}

/// <summary>
/// A total order of versions for picking a winner: the configured criteria in turn, then the greater replica id, then
/// the greater clock (lexicographically), then the greater value bytes. Versions it calls equal have the same content,
/// so the winner is the same whatever order the versions come in. <see cref="Compare"/> is positive when the first wins.
/// </summary>
internal sealed class WinnerOrder : IComparer<VersionedValue>
{
    private readonly WinnerCriterion[] _criteria;
    private readonly Dictionary<NodeId, int> _rank;

    public WinnerOrder(IReadOnlyList<NodeId> priority, params WinnerCriterion[] criteria)
    {
        _criteria = criteria;
        _rank = priority.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
    }

    /// <summary>The latest version wins (highest timestamp, then the greater replica id): whom a merge is attributed to.</summary>
    public static WinnerOrder Latest { get; } = new([], WinnerCriterion.Latest);

    /// <summary>Positive when <paramref name="x"/> beats <paramref name="y"/>, zero only for the same content.</summary>
    public int Compare(VersionedValue? x, VersionedValue? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Decide(x, y).Sign;
    }

    /// <summary>The versions, best first.</summary>
    public VersionedValue[] Rank(IEnumerable<VersionedValue> versions)
    {
        var ranked = versions.ToArray();
        Array.Sort(ranked, (a, b) => Compare(b, a));
        return ranked;
    }

    /// <summary>Why <paramref name="winner"/> beats <paramref name="other"/>, in a few words.</summary>
    public string Reason(VersionedValue winner, VersionedValue other) => Decide(winner, other).Why;

    private (int Sign, string Why) Decide(VersionedValue x, VersionedValue y)
    {
        var ties = new List<string>();
        foreach (var criterion in _criteria)
        {
            var c = criterion switch
            {
                WinnerCriterion.Latest => x.Timestamp.CompareTo(y.Timestamp),
                WinnerCriterion.Earliest => y.Timestamp.CompareTo(x.Timestamp),
                _ => RankOf(y.Replica).CompareTo(RankOf(x.Replica)),
            };
            var name = criterion switch
            {
                WinnerCriterion.Latest => "latest timestamp",
                WinnerCriterion.Earliest => "earliest timestamp",
                _ => "replica priority",
            };
            if (c != 0)
            {
                return (c, Because(name, ties));
            }

            ties.Add(criterion == WinnerCriterion.Priority
                ? "priority"
                : string.Create(CultureInfo.InvariantCulture, $"timestamp {x.Timestamp}"));
        }

        var sign = x.Replica.CompareTo(y.Replica);
        if (sign != 0)
        {
            return (sign, Because("greater replica id", ties));
        }

        sign = Versions.CompareClocks(x.Clock, y.Clock);
        if (sign != 0)
        {
            return (sign, Because("greater clock", ties));
        }

        sign = x.Value.Span.SequenceCompareTo(y.Value.Span);
        return (Math.Sign(sign), sign == 0 ? "same content" : Because("greater value bytes", ties));
    }

    private static string Because(string criterion, List<string> ties) =>
        ties.Count == 0 ? criterion : $"tie on {string.Join(" and ", ties)} broken by {criterion}";

    private int RankOf(NodeId replica) => _rank.TryGetValue(replica, out var rank) ? rank : int.MaxValue;
}
