using Kernel.Sdk.Crdt;

namespace UltimateConflict.Crdt.Causal;

/// <summary>What the causal types need of <see cref="CausalContext"/> beyond the SDK's: coverage and the causal join of dot sets.</summary>
internal static class Contexts
{
    /// <summary>
    /// True when <paramref name="context"/> has seen every event <paramref name="other"/> has. Where a dot enters a context
    /// only with the write it names (the LWW-Map), it means a merge with <paramref name="other"/> changes nothing.
    /// </summary>
    public static bool Covers(this CausalContext context, CausalContext other)
    {
        if (ReferenceEquals(context, other))
        {
            return true;
        }

        // By index: a foreach over the interfaces would allocate an enumerator on every merge.
        var entries = other.Vector.Entries;
        for (var i = 0; i < entries.Count; i++)
        {
            if (context.Vector[entries[i].Key] < entries[i].Value)
            {
                return false;
            }
        }

        var cloud = other.Cloud;
        for (var i = 0; i < cloud.Count; i++)
        {
            if (!context.Contains(cloud[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the context holds an event of a pruned replica at or below its mark.</summary>
    public static bool HoldsPruned(this CausalContext context, VersionVector marks) =>
        marks.Entries.Count > 0 && HoldsPrunedEvents(context, marks); // no closure is made when nothing is pruned

    private static bool HoldsPrunedEvents(CausalContext context, VersionVector marks) =>
        marks.Entries.Any(m => context.Vector[m.Key] is > 0 and var c && c <= m.Value) || context.Cloud.Any(d => d.Counter <= marks[d.Replica]);

    /// <summary>The context without the pruned replicas' events up to their marks.</summary>
    public static CausalContext WithoutPruned(this CausalContext context, VersionVector marks) =>
        CausalContext.From(
            VersionVector.From(context.Vector.Entries.Where(e => e.Value > marks[e.Key])),
            context.Cloud.Where(d => d.Counter > marks[d.Replica]));

    /// <summary>A replica's last event the context has seen (in its vector or beyond).</summary>
    public static long Last(this CausalContext context, Kernel.Sdk.Cluster.NodeId replica) =>
        Math.Max(context.Vector[replica], context.Cloud.Where(d => d.Replica == replica).Select(d => d.Counter).DefaultIfEmpty().Max());

    /// <summary>
    /// The causal join of two sorted dot sets: a dot both hold stays; a dot one holds stays unless the other's context has
    /// seen it (then the other removed it). Returns one of the inputs when the result equals it.
    /// </summary>
    public static Dot[] Join(Dot[] mine, Dot[] theirs, CausalContext myContext, CausalContext theirContext)
    {
        if (ReferenceEquals(mine, theirs) || mine.AsSpan().SequenceEqual(theirs))
        {
            return mine;
        }

        var kept = new List<Dot>(mine.Length + theirs.Length);
        int a = 0, b = 0;
        while (a < mine.Length || b < theirs.Length)
        {
            var cmp = a == mine.Length ? 1 : b == theirs.Length ? -1 : mine[a].CompareTo(theirs[b]);
            if (cmp == 0)
            {
                kept.Add(mine[a++]);
                b++;
            }
            else if (cmp < 0)
            {
                if (!theirContext.Contains(mine[a]))
                {
                    kept.Add(mine[a]);
                }

                a++;
            }
            else
            {
                if (!myContext.Contains(theirs[b]))
                {
                    kept.Add(theirs[b]);
                }

                b++;
            }
        }

        return Same(kept, mine) ? mine : Same(kept, theirs) ? theirs : [.. kept];
    }

    /// <summary>The dots of <paramref name="dots"/> that <paramref name="context"/> has not seen (the input itself when all stay).</summary>
    public static Dot[] Unseen(Dot[] dots, CausalContext context)
    {
        var first = -1;
        for (var i = 0; i < dots.Length; i++)
        {
            if (context.Contains(dots[i]))
            {
                first = i;
                break;
            }
        }

        if (first < 0)
        {
            return dots;
        }

        var kept = new List<Dot>(dots.Length);
        kept.AddRange(dots.AsSpan(0, first));
        for (var i = first + 1; i < dots.Length; i++)
        {
            if (!context.Contains(dots[i]))
            {
                kept.Add(dots[i]);
            }
        }

        return [.. kept];
    }

    private static bool Same(List<Dot> list, Dot[] array) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list).SequenceEqual(array);
}
