using System.Globalization;
using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>What the faulty replicas of a Byzantine run do (<see cref="SimulationOptions.ByzantineBehaviors"/>).</summary>
[Flags]
public enum ByzantineBehaviors
{
    /// <summary>Faulty replicas run the honest code and send what it sends (they still count as faulty for the invariants).</summary>
    None = 0,

    /// <summary>
    /// Twins (Bano, Sonnino et al., 2021): a second copy of the faulty replica runs with the same identity and keys and
    /// its own disk; the network splits the other replicas and the clients between the two copies (re-split from time to
    /// time), so each copy hears and tells its side something else: equivocation, double votes and lost state arise from
    /// honest code, with valid MACs.
    /// </summary>
    Twins = 1,

    /// <summary>Different messages to different peers: to each peer, at random, the fresh message, one sent to that peer before, or nothing.</summary>
    Equivocate = 2,

    /// <summary>Old messages sent again on their link, long after.</summary>
    Replay = 4,

    /// <summary>Periods in which the replica sends nothing.</summary>
    Silence = 8,

    /// <summary>Messages held back for about <see cref="SimulationOptions.ByzantineEdgeDelay"/>, at the edge of the protocol's timeouts.</summary>
    EdgeDelay = 16,

    /// <summary>A byte of the encoded message flipped: the codec or the receiver's MAC check must reject it.</summary>
    Corrupt = 32,

    /// <summary>Messages delivered to a peer as if another (honest) replica sent them: the transport's stamp or the MAC must reject them.</summary>
    Forge = 64,

    /// <summary>Forged replies to clients (the same forged result from every faulty replica, so that colluders agree).</summary>
    LieToClients = 128,

    /// <summary>Every behaviour.</summary>
    All = Twins | Equivocate | Replay | Silence | EdgeDelay | Corrupt | Forge | LieToClients,
}

/// <summary>
/// The Byzantine side of a <see cref="SimCluster"/>: which replicas are faulty, how the network routes to their Twins
/// copies, and what their messages go through before the network carries them. Every choice comes from the cluster's
/// seeded generator, so a Byzantine run replays exactly. Honest replicas never pass through here.
/// </summary>
internal sealed class Byzantine
{
    private const int History = 64;
    private readonly SimCluster _cluster;
    private readonly HashSet<int> _faulty;
    private readonly Dictionary<int, int> _twinOf = []; // faulty base index -> twin instance index
    private int[]? _sides; // the Twins split: the side (0/1) of every honest replica and client; copy c of a faulty replica serves side c
    private readonly Dictionary<(int From, int To), List<byte[]>> _sent = [];
    private readonly Dictionary<int, ByzantineBehaviors> _active = [];

    public Byzantine(SimCluster cluster, int[] faulty, int[] twins)
    {
        _cluster = cluster;
        _faulty = [.. faulty];
        var n = cluster.Options.Nodes;
        for (var t = 0; t < twins.Length; t++)
        {
            _twinOf[twins[t]] = n + 1 + t;
        }
    }

    /// <summary>Messages from faulty replicas that the codec or the transport's sender stamp refused.</summary>
    public long Rejected { get; set; }

    public bool Any => _faulty.Count > 0;

    public bool IsFaulty(int index) => _faulty.Contains(index);

    /// <summary>The faulty replicas: <paramref name="options"/>' count, drawn from the seed (nothing drawn when there are none).</summary>
    public static int[] ChooseFaulty(SimulationOptions options, SimRandom random)
    {
        if (options.Byzantine <= 0)
        {
            return [];
        }

        var ids = Enumerable.Range(1, options.Nodes).ToList();
        random.Shuffle(ids);
        return [.. ids.Take(options.Byzantine).Order()];
    }

    /// <summary>Draws the first split and behaviours, and re-draws them every nemesis interval or so.</summary>
    public void Start()
    {
        if (!Any)
        {
            return;
        }

        Redraw();
        var interval = Math.Max(1, (long)_cluster.Options.NemesisInterval.TotalMicroseconds);
        void Loop()
        {
            if (_cluster.Stopped)
            {
                return;
            }

            Redraw();
            _cluster.After(_cluster.Random.NextInt64(interval / 2, (interval * 3 / 2) + 1), Loop);
        }

        _cluster.After(interval, Loop);
    }

    private void Redraw()
    {
        var random = _cluster.Random;
        var enabled = _cluster.Options.ByzantineBehaviors;
        Split();
        foreach (var f in _faulty.Order())
        {
            var active = ByzantineBehaviors.None;
            foreach (var b in Enum.GetValues<ByzantineBehaviors>())
            {
                if (b is not (ByzantineBehaviors.None or ByzantineBehaviors.All) && enabled.HasFlag(b) && random.Chance(0.5))
                {
                    active |= b;
                }
            }

            // Silence is a period of its own, not mixed with everything else.
            if (active.HasFlag(ByzantineBehaviors.Silence) && random.Chance(0.5))
            {
                active &= ~ByzantineBehaviors.Silence;
            }

            _active[f] = active;
            if (_cluster.Trace.TextEnabled)
            {
                _cluster.Trace.Line(_cluster.NowMicros, TraceKind.Nemesis, f, "byzantine: " + active.ToString());
            }
        }
    }

    private void Split()
    {
        var random = _cluster.Random;
        if (_twinOf.Count == 0 || (_sides is not null && !random.Chance(0.5)))
        {
            return;
        }

        var sides = new int[_cluster.Options.Nodes + 1 + _cluster.Options.Clients];
        for (var i = 1; i < sides.Length; i++)
        {
            sides[i] = random.Next(2);
        }

        _sides = sides;
        _cluster.Trace.Line(_cluster.NowMicros, TraceKind.Nemesis, 0, "twins split: side 0 is "
            + string.Join(",", Enumerable.Range(1, _cluster.Options.Nodes).Where(i => !_faulty.Contains(i) && sides[i] == 0)));
    }

    /// <summary>The instance a message from <paramref name="n"/> to replica <paramref name="to"/> goes to, or 0 when the Twins split drops it.</summary>
    public int Route(SimNode n, int to)
    {
        if (_sides is not { } sides)
        {
            return to;
        }

        // Honest replicas talk to each other whatever the split; a copy only to its side.
        var side = n.Byzantine ? n.Side : sides[n.Base];
        if (_twinOf.TryGetValue(to, out var twin))
        {
            return side == 0 ? to : twin;
        }

        return n.Byzantine && sides[to] != n.Side ? 0 : to;
    }

    /// <summary>The copies of replica <paramref name="index"/> a client's request reaches: the one serving the client's side.</summary>
    public SimNode CopyForClient(int index, int process)
    {
        if (_twinOf.TryGetValue(index, out var twin) && _sides is { } sides
            && sides[_cluster.Options.Nodes + 1 + (process % _cluster.Options.Clients)] == 1)
        {
            return _cluster.NodeAt(twin);
        }

        return _cluster.NodeAt(index);
    }

    /// <summary>What a faulty instance's encoded message turns into: (sender instance, receiver instance, bytes, extra delay µs, forged).</summary>
    public IEnumerable<(int From, int To, byte[] Bytes, long Delay, bool Forged)> Tamper(SimNode n, int to, byte[] bytes)
    {
        var random = _cluster.Random;
        var active = _active.GetValueOrDefault(n.Base);
        var link = (n.Index, to);
        if (!_sent.TryGetValue(link, out var history))
        {
            _sent[link] = history = [];
        }

        var old = history.Count > 0 ? history[random.Next(history.Count)] : null;
        if (history.Count < History)
        {
            history.Add(bytes);
        }
        else
        {
            history[random.Next(History)] = bytes;
        }

        if (active.HasFlag(ByzantineBehaviors.Silence))
        {
            yield break;
        }

        long delay = 0;
        if (active.HasFlag(ByzantineBehaviors.EdgeDelay) && random.Chance(0.5))
        {
            var edge = (long)_cluster.Options.ByzantineEdgeDelay.TotalMicroseconds;
            delay = random.NextInt64(edge * 7 / 10, (edge * 13 / 10) + 1);
        }

        var payload = bytes;
        if (active.HasFlag(ByzantineBehaviors.Equivocate) && random.Chance(0.3))
        {
            payload = random.Chance(0.5) ? old : null;
        }

        if (payload is not null && active.HasFlag(ByzantineBehaviors.Corrupt) && random.Chance(0.3))
        {
            payload = (byte[])payload.Clone();
            payload[random.Next(payload.Length)] ^= (byte)(1 << random.Next(8));
        }

        if (payload is not null)
        {
            yield return (n.Index, to, payload, delay, false);
        }

        if (old is not null && active.HasFlag(ByzantineBehaviors.Replay) && random.Chance(0.3))
        {
            yield return (n.Index, to, old, random.NextInt64(0, 4 * (long)_cluster.Options.ByzantineEdgeDelay.TotalMicroseconds + 1), false);
        }

        if (active.HasFlag(ByzantineBehaviors.Forge) && random.Chance(0.1))
        {
            // Delivered as if an honest replica had sent it (a spoofed link).
            var honest = Enumerable.Range(1, _cluster.Options.Nodes).Where(i => !_faulty.Contains(i) && i != to).ToArray();
            if (honest.Length > 0)
            {
                yield return (honest[random.Next(honest.Length)], to, bytes, delay, true);
            }
        }
    }

    /// <summary>A forged reply of a faulty replica to a client, or null when it answers honestly this time.</summary>
    public KvResult? ForgeReply(SimNode n, long client, long seq)
    {
        if (!_active.GetValueOrDefault(n.Base).HasFlag(ByzantineBehaviors.LieToClients) || !_cluster.Random.Chance(0.7))
        {
            return null;
        }

        return new KvResult(true, string.Create(CultureInfo.InvariantCulture, $"forged-{client}-{seq}"));
    }

    public string Describe() => _faulty.Count == 0 ? "none"
        : string.Join(",", _faulty.Order().Select(f => "n" + f.ToString(CultureInfo.InvariantCulture) + (_twinOf.ContainsKey(f) ? "+twin" : "")));
}
