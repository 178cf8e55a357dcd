using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;

using UltimateConsensus.Zab;

namespace UltimateConsensus.Tests.Zab;

/// <summary>
/// ZooKeeper's primary-order properties (Junqueira, Reed, Serafini 2011, §3), checked after every simulator event
/// through <see cref="SimulationOptions.Invariant"/> against the live <see cref="ZabNode"/>s of a run. A primary
/// <em>broadcasts</em> ⟨v, z⟩ when, leading epoch e, it appends an entry of epoch e (its NEWLEADER entry first, then
/// the proposals); a process <em>delivers</em> what it applies (<see cref="SimCluster.AppliedEntries"/>), or what a
/// snapshot it installs covers.
/// <list type="bullet">
/// <item>One primary per epoch: at most one node ever leads an epoch, and it starts leading it once.</item>
/// <item>Integrity: a delivered ⟨v, z⟩ was broadcast by the primary of z's epoch, with that value.</item>
/// <item>Agreement and total order: every process delivers the same transaction at a position (so one delivery
/// order, which every process follows as a prefix).</item>
/// <item>Local primary order: a process that delivers ⟨v', z'⟩ of epoch e has delivered, just before it, the
/// transaction the primary of e broadcast before it (the epoch's transactions are delivered as one contiguous run
/// starting at its NEWLEADER entry).</item>
/// <item>Global primary order: transactions of an earlier epoch are delivered before those of a later one.</item>
/// <item>Primary integrity: when the primary of e broadcasts its first proposal, it has delivered every transaction
/// of an earlier epoch that any process delivers, before or after.</item>
/// </list>
/// </summary>
internal sealed class PrimaryOrderInvariants
{
    private readonly SimCluster _cluster;
    private readonly NodeId[] _nodes;
    private readonly int[] _applied;
    private readonly ZabNode?[] _instances;
    private readonly Dictionary<(long Epoch, long Index), ulong> _broadcast = [];
    private readonly Dictionary<long, NodeId> _primary = [];
    private readonly Dictionary<long, long> _firstOfEpoch = [];
    private readonly Dictionary<long, long> _scanned = [];
    private readonly Dictionary<long, long> _deliveredAtFirstProposal = [];
    private readonly SortedDictionary<long, (long Epoch, ulong Hash)> _delivered = [];
    private readonly Dictionary<NodeId, (ZabNode Node, long Epoch)> _leading = [];

    public PrimaryOrderInvariants(SimCluster cluster)
    {
        _cluster = cluster;
        _nodes = [.. cluster.Nodes];
        _applied = new int[_nodes.Length];
        _instances = new ZabNode?[_nodes.Length];
    }

    /// <summary>What <see cref="SimulationOptions.Invariant"/> takes: a fresh checker per run.</summary>
    public static Func<SimCluster, Func<string?>> Factory { get; } = cluster => new PrimaryOrderInvariants(cluster).Check;

    /// <summary>Transactions delivered (positions of the one delivery order known so far).</summary>
    public int DeliveredPositions => _delivered.Count;

    /// <summary>Epochs that had a primary.</summary>
    public int Epochs => _primary.Count;

    public string? Check()
    {
        for (var k = 0; k < _nodes.Length; k++)
        {
            var z = _cluster.GetNode(_nodes[k]) as ZabNode;
            if (_instances[k] is { } old && !ReferenceEquals(old, z))
            {
                // Crashed (and maybe restarted) since the last check: what the old incarnation held in memory when it
                // went down is still here. A primary may have proposed, sent and crashed within one event.
                if (ObserveBroadcasts(old) is { } lastWords)
                {
                    return lastWords;
                }

                _instances[k] = null;
            }

            if (z is null)
            {
                continue;
            }

            if (!ReferenceEquals(_instances[k], z))
            {
                // A (re)started primary recovers what it broadcast, even a proposal it appended and crashed on in one
                // event (before any check could see it in its log).
                _instances[k] = z;
                if (RecoverBroadcasts(z) is { } lost)
                {
                    return lost;
                }
            }

            if (ObserveBroadcasts(z) is { } broken)
            {
                return broken;
            }
        }

        for (var k = 0; k < _nodes.Length; k++)
        {
            var applied = _cluster.AppliedEntries(_nodes[k]);
            for (; _applied[k] < applied.Count; _applied[k]++)
            {
                if (Deliver(_nodes[k], applied[_applied[k]]) is { } broken)
                {
                    _applied[k]++;
                    return broken;
                }
            }
        }

        return null;
    }

    private string? RecoverBroadcasts(ZabNode z)
    {
        var log = z.Log;
        for (var i = log.FirstIndex; i <= log.LastIndex; i++)
        {
            var entry = log.Entry(i);
            if (_primary.TryGetValue(entry.Term, out var primary) && primary == z.Id)
            {
                var hash = Hash(entry);
                if (_broadcast.TryGetValue((entry.Term, i), out var earlier) && earlier != hash)
                {
                    return $"integrity: {z.Id} recovered {Zxid(entry.Term, i)} with another value than it broadcast as primary";
                }

                _broadcast[(entry.Term, i)] = hash;
            }
        }

        return null;
    }

    private string? ObserveBroadcasts(ZabNode z)
    {
        if (!z.LeadsEpoch)
        {
            _leading.Remove(z.Id);
            return null;
        }

        var epoch = z.AcceptedEpoch;
        var first = z.NewLeaderIndex;
        if (!_leading.TryGetValue(z.Id, out var was) || !ReferenceEquals(was.Node, z) || was.Epoch != epoch)
        {
            // This node starts leading epoch e now (seen after the event that made it so).
            if (_primary.TryGetValue(epoch, out var other))
            {
                return other == z.Id
                    ? $"one primary per epoch: {z.Id} started leading epoch {epoch} twice (NEWLEADER at {_firstOfEpoch[epoch]}, then at {first})"
                    : $"one primary per epoch: {z.Id} and {other} both lead epoch {epoch}";
            }

            _primary[epoch] = z.Id;
            _firstOfEpoch[epoch] = first;
            _scanned[epoch] = first - 1;
            _leading[z.Id] = (z, epoch);
        }

        var log = z.Log;
        for (var i = Math.Max(_scanned[epoch] + 1, log.FirstIndex); i <= log.LastIndex; i++)
        {
            var entry = log.Entry(i);
            if (entry.Term != epoch)
            {
                return $"integrity: the primary {z.Id} of epoch {epoch} holds {Zxid(entry.Term, entry.Index)} after its NEWLEADER entry {Zxid(epoch, first)}";
            }

            var hash = Hash(entry);
            if (_broadcast.TryGetValue((epoch, i), out var earlier) && earlier != hash)
            {
                return $"integrity: the primary {z.Id} of epoch {epoch} broadcast two different transactions as {Zxid(epoch, i)}";
            }

            _broadcast[(epoch, i)] = hash;
            _scanned[epoch] = i;
            if (i > first && !_deliveredAtFirstProposal.ContainsKey(epoch))
            {
                // Its first proposal after NEWLEADER: by now it must have delivered (committed) its initial history and
                // every transaction of an earlier epoch that anyone delivered.
                var committed = log.Committed;
                _deliveredAtFirstProposal[epoch] = committed;
                if (committed < first)
                {
                    return $"primary integrity: the primary {z.Id} of epoch {epoch} broadcast {Zxid(epoch, i)} having committed only up to {committed}, before its initial history (to {first})";
                }

                foreach (var (index, d) in _delivered.Reverse())
                {
                    if (index <= committed)
                    {
                        break;
                    }

                    if (d.Epoch < epoch)
                    {
                        return $"primary integrity: {Zxid(d.Epoch, index)} was delivered, but the primary {z.Id} of epoch {epoch} broadcast {Zxid(epoch, i)} having delivered only up to {committed}";
                    }
                }
            }
        }

        return null;
    }

    private string? Deliver(NodeId p, LogEntry entry)
    {
        var epoch = entry.Term;
        var index = entry.Index;
        var hash = Hash(entry);
        if (!_broadcast.TryGetValue((epoch, index), out var broadcast))
        {
            return $"integrity: {p} delivered {Zxid(epoch, index)}, which no primary of epoch {epoch} broadcast";
        }

        if (broadcast != hash)
        {
            return $"integrity: {p} delivered {Zxid(epoch, index)} with another value than its primary broadcast";
        }

        if (_delivered.TryGetValue(index, out var there))
        {
            if (there.Epoch != epoch || there.Hash != hash)
            {
                return $"agreement and total order: {p} delivered {Zxid(epoch, index)} where another process delivered {Zxid(there.Epoch, index)}";
            }
        }
        else
        {
            _delivered[index] = (epoch, hash);
        }

        if (_delivered.TryGetValue(index - 1, out var before) && before.Epoch > epoch)
        {
            return $"global primary order: {p} delivered {Zxid(epoch, index)} after {Zxid(before.Epoch, index - 1)} of a later epoch";
        }

        if (_delivered.TryGetValue(index + 1, out var after) && after.Epoch < epoch)
        {
            return $"global primary order: {Zxid(after.Epoch, index + 1)} was delivered after {Zxid(epoch, index)} of a later epoch";
        }

        if (index > _firstOfEpoch[epoch] && _delivered.TryGetValue(index - 1, out var previous) && previous.Epoch != epoch)
        {
            return $"local primary order: {p} delivered {Zxid(epoch, index)} right after {Zxid(previous.Epoch, index - 1)}, not after {Zxid(epoch, index - 1)} its primary broadcast before it";
        }

        foreach (var (later, committed) in _deliveredAtFirstProposal)
        {
            if (later > epoch && index > committed)
            {
                return $"primary integrity: {p} delivered {Zxid(epoch, index)}, but the primary of epoch {later} began broadcasting having delivered only up to {committed}";
            }
        }

        return null;
    }

    private static string Zxid(long epoch, long index) => string.Create(CultureInfo.InvariantCulture, $"⟨{epoch}/{index}⟩");

    private static ulong Hash(in LogEntry entry)
    {
        var h = 14695981039346656037UL;
        h = (h ^ (byte)entry.Kind) * 1099511628211UL;
        foreach (var b in entry.Data.Span)
        {
            h = (h ^ b) * 1099511628211UL;
        }

        return h;
    }
}
