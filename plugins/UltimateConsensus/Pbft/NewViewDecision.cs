namespace UltimateConsensus.Pbft;

/// <summary>
/// The new-view decision of Castro and Liskov's MAC-based view change (TOCS 2002, §4.5.2), a pure function of a set S
/// of 2f+1 view-change messages, run by the new primary to build its new-view message and by every backup to check it.
/// No message of S needs to be signed: every rule counts claims, so f faulty senders cannot make a choice alone.
/// <list type="bullet">
/// <item>The checkpoint: the highest h that f+1 messages hold (so one honest replica does) and that no message's stable
/// checkpoint is above (so every message still reports what it knows past h).</item>
/// <item>For each n above h up to the highest prepared certificate reported: request d prepared in view v by some
/// message, when (A1) 2f+1 messages report nothing prepared at n in a later view nor another digest in view v, and
/// (A2) f+1 messages accepted a pre-prepare of d at n in view v or later; else the null request when (B) 2f+1 messages
/// report nothing prepared at n; else there is no decision from this S.</item>
/// </list>
/// </summary>
internal static class NewViewDecision
{
    public sealed record Decision(CheckpointClaim Stable, IReadOnlyList<Chosen> Order);

    /// <summary>The decision from <paramref name="s"/> (2f+1 messages from distinct senders), or null when S gives none.</summary>
    public static Decision? Decide(IReadOnlyList<ViewChange> s, int f, long window, CheckpointClaim genesis, PbftFlaw flaw)
    {
        // The checkpoint.
        CheckpointClaim? stable = null;
        var candidates = new List<CheckpointClaim> { genesis };
        foreach (var m in s)
        {
            candidates.Add(m.Stable);
            candidates.AddRange(m.Checkpoints);
        }

        foreach (var c in candidates.Distinct().OrderByDescending(c => c.Seq).ThenBy(c => c.State.A))
        {
            if (s.Count(m => m.Stable.Seq > c.Seq) > 0)
            {
                continue;
            }

            var holders = s.Count(m => m.Stable == c || m.Checkpoints.Contains(c) || (c == genesis && m.Stable.Seq == 0));
            if (holders >= f + 1)
            {
                stable = c;
                break;
            }
        }

        if (stable is not { } h)
        {
            return null;
        }

        var top = h.Seq;
        foreach (var m in s)
        {
            foreach (var p in m.Prepared)
            {
                if (p.Seq > top && p.Seq <= h.Seq + window)
                {
                    top = p.Seq;
                }
            }
        }

        var order = new List<Chosen>();
        for (var n = h.Seq + 1; n <= top; n++)
        {
            var chosen = flaw.HasFlag(PbftFlaw.NewViewDropsPrepared) ? null : Choose(s, f, n);
            if (chosen is null)
            {
                var empty = s.Count(m => !m.Prepared.Any(p => p.Seq == n));
                if (empty < (2 * f) + 1 && !flaw.HasFlag(PbftFlaw.NewViewDropsPrepared))
                {
                    return null;
                }

                chosen = Batch.Empty;
            }

            order.Add(new Chosen(n, chosen));
        }

        return new Decision(h, order);
    }

    /// <summary>Rule A at <paramref name="n"/>: the batch of a prepared certificate that A1 and A2 support, the latest view first.</summary>
    private static Batch? Choose(IReadOnlyList<ViewChange> s, int f, long n)
    {
        var claims = s.SelectMany(m => m.Prepared).Where(p => p.Seq == n)
            .OrderByDescending(p => p.View).ThenBy(p => p.Batch.Digest.A).ThenBy(p => p.Batch.Digest.B);
        foreach (var claim in claims)
        {
            var d = claim.Batch.Digest;
            var v = claim.View;
            var a1 = s.Count(m => m.Prepared.All(p => p.Seq != n || p.View < v || (p.View == v && p.Batch.Digest == d)));
            if (a1 < (2 * f) + 1)
            {
                continue;
            }

            var a2 = s.Count(m => m.PrePrepared.Any(q => q.Seq == n && q.View >= v && q.Digest == d));
            if (a2 >= f + 1)
            {
                return claim.Batch;
            }
        }

        return null;
    }
}
