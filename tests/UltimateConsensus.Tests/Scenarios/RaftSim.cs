using System.Buffers.Binary;
using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>
/// The 6.5840 Raft tester (<c>config.go</c>) rebuilt over the deterministic <see cref="SimCluster"/>: servers are numbered
/// 0..n-1 as in the lab (node ids 1..n), every wait is virtual time, and the paper's five properties
/// (<see cref="RaftPaperInvariants"/>) are checked after every simulator event.
/// <para>
/// Timing, chosen so that the lab's bounds mean what they mean there: a tick is 10 ms; the leader sends heartbeats every
/// 10 ticks = 100 ms (the lab allows at most ten per second, which its idle-RPC bound assumes); the election timeout is
/// random in 30..60 ticks = 300..600 ms (the lab's advice: above the paper's 150..300 ms because heartbeats are slower);
/// <see cref="ElectionTimeout"/> = 1 s is the lab's RaftElectionTimeout, used for its sleeps. Network delay 1..5 ms with a rare
/// 50 ms tail (the simulator's defaults); "unreliable" is labrpc's: 10% loss and up to 27 ms extra delay. Pre-vote and
/// check-quorum stay on (the plugin's defaults). Figure8Unreliable alone doubles the election timeout (see there).
/// Crashes lose unsynced writes, or tear them where a test asks for <see cref="SimFaults.Disk"/>.
/// </para>
/// </summary>
internal sealed class RaftSim
{
    public const int TickMs = 10;
    public const int HeartbeatTicks = 10;
    public const int ElectionMinTicks = 30;
    public const int ElectionMaxTicks = 60;

    /// <summary>6.5840's RaftElectionTimeout.</summary>
    public static readonly TimeSpan ElectionTimeout = TimeSpan.FromSeconds(1);

    private readonly bool[] _connected;
    private readonly List<SimTask> _tasks = [];
    private bool _pumping;

    private RaftSim(int servers, long seed, int snapshotEvery, SimFaults faults, int electionMinTicks, int electionMaxTicks, string protocol)
    {
        N = servers;
        Seed = seed;
        Protocol = protocol;
        Strategy = new ScenarioStrategy(ScenarioProtocols.Create(protocol));
        Cluster = SimCluster.Create(Strategy, new SimulationOptions
        {
            Seed = seed,
            Nodes = servers,
            Clients = 0, // scenario tests drive proposals themselves (SimCluster never runs a workload anyway)
            TickInterval = TimeSpan.FromMilliseconds(TickMs),
            SnapshotEvery = snapshotEvery,
            Faults = faults, // only decides what Crash does to unsynced writes: Disk tears them, otherwise they are lost
            StrategyOptions = ScenarioProtocols.Options(protocol, electionMinTicks, electionMaxTicks, HeartbeatTicks),
            RecordAppliedEntries = true,
            StopOnViolation = true,
        });
        Invariants = new RaftPaperInvariants(Cluster);
        Rng = new Random(unchecked((int)seed * 7919 + 17));
        _connected = Enumerable.Repeat(true, servers).ToArray();
        Hook();
    }

    public int N { get; }

    public long Seed { get; }

    /// <summary>The scenario row (<see cref="ScenarioProtocols"/>) the cluster runs.</summary>
    public string Protocol { get; }

    public SimCluster Cluster { get; }

    public ScenarioStrategy Strategy { get; }

    public RaftPaperInvariants Invariants { get; }

    /// <summary>The test's own randomness (the lab's math/rand), seeded from the run's seed.</summary>
    public Random Rng { get; }

    public TimeSpan Now => Cluster.Now;

    public static RaftSim Create(
        int servers, long seed = 1, int snapshotEvery = 0, SimFaults faults = SimFaults.None,
        int electionMinTicks = ElectionMinTicks, int electionMaxTicks = ElectionMaxTicks, string protocol = "raft") =>
        new(servers, seed, snapshotEvery, faults, electionMinTicks, electionMaxTicks, protocol);

    public static NodeId Id(int server) => new(server + 1);

    public bool Connected(int server) => _connected[server];

    public bool IsUp(int server) => Cluster.IsUp(Id(server));

    public RaftNode? Raft(int server) => Cluster.GetNode(Id(server)) as RaftNode;

    // ---------------------------------------------------------------- time

    /// <summary>Runs virtual time, checking the invariants and pumping background clients before every event.</summary>
    public bool RunUntil(Func<bool> condition, TimeSpan limit) => Cluster.RunUntil(_ =>
    {
        Hook();
        return condition();
    }, limit);

    public void Sleep(TimeSpan duration) => RunUntil(static () => false, duration);

    public void SleepMs(long ms) => Sleep(TimeSpan.FromMilliseconds(ms));

    private void Hook()
    {
        Invariants.Check();
        if (Cluster.Violations.Count > 0)
        {
            throw new RaftInvariantException("simulator invariant violated: " + string.Join("; ", Cluster.Violations));
        }

        if (_pumping)
        {
            return; // a client's own action (Start, Crash...) re-enters here: check, but do not step clients re-entrantly
        }

        _pumping = true;
        try
        {
            for (var i = 0; i < _tasks.Count; i++)
            {
                var t = _tasks[i];
                while (!t.Done && t.WakeAt <= Now)
                {
                    if (!t.Steps.MoveNext())
                    {
                        t.Done = true;
                        break;
                    }

                    t.WakeAt = Now + t.Steps.Current;
                }
            }

            _tasks.RemoveAll(t => t.Done);
        }
        finally
        {
            _pumping = false;
        }
    }

    /// <summary>Starts a background client (the lab's goroutines): it yields how long to sleep before its next step.</summary>
    public SimTask Go(IEnumerable<TimeSpan> steps)
    {
        var task = new SimTask(steps.GetEnumerator()) { WakeAt = Now };
        _tasks.Add(task);
        Hook();
        return task;
    }

    // ---------------------------------------------------------------- network and nodes (config.go)

    /// <summary>Cuts the server off, as labrpc's disconnect: its links to every server go down.</summary>
    public void Disconnect(int server)
    {
        _connected[server] = false;
        ApplyNetwork();
    }

    /// <summary>Reconnects the server to the connected servers only (SimCluster.Connect would unblock every link of it).</summary>
    public void Connect(int server)
    {
        _connected[server] = true;
        ApplyNetwork();
    }

    private void ApplyNetwork()
    {
        if (_connected.All(c => c))
        {
            Cluster.Heal();
        }
        else
        {
            Cluster.Partition([.. Enumerable.Range(0, N).Where(i => _connected[i]).Select(Id)]);
        }

        Hook();
    }

    /// <summary>The lab's crash1: disconnect, then kill (keeping only what its disk made durable).</summary>
    public void Crash(int server)
    {
        Disconnect(server);
        if (IsUp(server))
        {
            Cluster.Crash(Id(server));
        }

        Hook();
    }

    /// <summary>The lab's start1: crash if running, then start from the disk; it stays disconnected until <see cref="Connect"/>.</summary>
    public void Start1(int server)
    {
        if (IsUp(server))
        {
            Crash(server);
        }

        Cluster.Restart(Id(server));
        Hook();
    }

    public void SetReliable(bool reliable)
    {
        Cluster.SetReliable(reliable);
        Hook();
    }

    public void SetLongReordering(bool on)
    {
        Cluster.SetLongReordering(on);
        Hook();
    }

    /// <summary>The lab's rf.Start(cmd): refused by a down node or a non-leader.</summary>
    public ProposeResult Start(int server, byte[] command)
    {
        var r = Cluster.Propose(Id(server), command);
        Hook();
        return r;
    }

    /// <summary>The server's (term, isLeader), or (-1, false) when it is down.</summary>
    public (long Term, bool IsLeader) GetState(int server) =>
        Cluster.Status(Id(server)) is { } s ? (s.Term, s.Role == ConsensusRole.Leader) : (-1, false);

    // ---------------------------------------------------------------- the tester's checks

    /// <summary>6.5840 checkOneLeader: up to 10 samples 450..550 ms apart; fails on two leaders in one term; a leader within ~5 s.</summary>
    public int CheckOneLeader()
    {
        for (var iters = 0; iters < 10; iters++)
        {
            SleepMs(450 + Rng.Next(100));
            var byTerm = new SortedDictionary<long, List<int>>();
            for (var i = 0; i < N; i++)
            {
                if (_connected[i] && GetState(i) is (var term, true))
                {
                    if (!byTerm.TryGetValue(term, out var list))
                    {
                        byTerm[term] = list = [];
                    }

                    list.Add(i);
                }
            }

            foreach (var (term, leaders) in byTerm)
            {
                Assert.True(leaders.Count <= 1, $"term {term} has {leaders.Count} (>1) leaders at {Now}");
            }

            if (byTerm.Count > 0)
            {
                return byTerm.Last().Value[0];
            }
        }

        Assert.Fail($"expected one leader, got none (seed {Seed}, {Now})");
        return -1;
    }

    /// <summary>6.5840 checkTerms: every connected server agrees on the term.</summary>
    public long CheckTerms()
    {
        long term = -1;
        for (var i = 0; i < N; i++)
        {
            if (_connected[i] && IsUp(i))
            {
                var t = GetState(i).Term;
                if (term == -1)
                {
                    term = t;
                }
                else
                {
                    Assert.True(term == t, $"servers disagree on term: {term} vs {t}");
                }
            }
        }

        return term;
    }

    /// <summary>6.5840 checkNoLeader: no connected server thinks it leads.</summary>
    public void CheckNoLeader()
    {
        for (var i = 0; i < N; i++)
        {
            if (_connected[i])
            {
                Assert.False(GetState(i).IsLeader, $"expected no leader among connected servers, but {i} claims to be leader");
            }
        }
    }

    /// <summary>
    /// 6.5840 nCommitted: how many servers applied <paramref name="index"/> and with what command. As in the lab's tester, a
    /// server whose state machine reached the index by installing a snapshot counts too (the command comes from the others).
    /// </summary>
    public int NCommitted(long index, out byte[]? command)
    {
        Invariants.NCommitted(index, out command);
        var by = Invariants.AppliedBy(index);
        var n = by.Count;
        for (var i = 0; i < N; i++)
        {
            if (!by.Contains(Id(i)) && Cluster.AppliedIndex(Id(i)) >= index)
            {
                n++;
            }
        }

        return n;
    }

    public int NCommitted(long index) => NCommitted(index, out _);

    /// <summary>
    /// 6.5840 one(): for up to 10 s, offer the command to each connected server in turn; once one accepts, wait up to 2 s for
    /// <paramref name="expected"/> servers to apply it at that index; then give up (retry false) or offer it again.
    /// Returns the index. Note this Raft appends a no-op entry when a leader takes office, so indexes run ahead of the lab's.
    /// </summary>
    public long One(byte[] command, int expected, bool retry)
    {
        long index = 0;
        string? failure = null;
        var task = Go(OneSteps(command, expected, retry, i => index = i, f => failure = f));
        RunUntil(() => task.Done, TimeSpan.FromSeconds(13));
        Assert.True(task.Done, $"one({Show(command)}) still running at {Now}");
        Assert.True(failure is null, failure);
        return index;
    }

    /// <summary>The steps of one(), for background clients (the lab's concurrent one() calls).</summary>
    public IEnumerable<TimeSpan> OneSteps(byte[] command, int expected, bool retry, Action<long> done, Action<string> failed)
    {
        var t0 = Now;
        var starts = 0;
        while (Now - t0 < TimeSpan.FromSeconds(10))
        {
            long index = -1;
            for (var si = 0; si < N; si++)
            {
                starts = (starts + 1) % N;
                if (_connected[starts] && IsUp(starts))
                {
                    var r = Start(starts, command);
                    if (r.Accepted)
                    {
                        index = r.Index;
                        break;
                    }
                }
            }

            if (index != -1)
            {
                var t1 = Now;
                while (Now - t1 < TimeSpan.FromSeconds(2))
                {
                    var nd = NCommitted(index, out var cmd1);
                    if (nd > 0 && nd >= expected && cmd1 is not null && cmd1.AsSpan().SequenceEqual(command))
                    {
                        done(index);
                        yield break;
                    }

                    yield return TimeSpan.FromMilliseconds(20);
                }

                if (!retry)
                {
                    failed($"one({Show(command)}) failed to reach agreement on {expected} servers (seed {Seed}, {Now})");
                    yield break;
                }
            }
            else
            {
                yield return TimeSpan.FromMilliseconds(50);
            }
        }

        failed($"one({Show(command)}) failed to reach agreement on {expected} servers within 10 s (seed {Seed}, {Now})");
    }

    /// <summary>
    /// 6.5840 wait(): until <paramref name="n"/> servers applied <paramref name="index"/> (backing off 10 ms..1 s, 30 times);
    /// null when a server moved past <paramref name="startTerm"/> (unless -1). Fails if too few applied it.
    /// </summary>
    public byte[]? Wait(long index, int n, long startTerm)
    {
        var to = TimeSpan.FromMilliseconds(10);
        for (var iters = 0; iters < 30; iters++)
        {
            if (NCommitted(index) >= n)
            {
                break;
            }

            Sleep(to);
            if (to < TimeSpan.FromSeconds(1))
            {
                to *= 2;
            }

            if (startTerm > -1)
            {
                for (var i = 0; i < N; i++)
                {
                    if (GetState(i).Term > startTerm)
                    {
                        return null;
                    }
                }
            }
        }

        var nd = NCommitted(index, out var cmd);
        Assert.True(nd >= n, $"only {nd} decided for index {index}; wanted {n} (seed {Seed}, {Now})");
        return cmd;
    }

    /// <summary>Ends a scenario: no simulator violation, and the paper checker ran.</summary>
    public void End()
    {
        Hook();
        Assert.Empty(Cluster.Violations);
        Assert.True(Invariants.Checks > 100, "the invariant checker ran");
    }

    // ---------------------------------------------------------------- commands

    /// <summary>A command carrying an integer, as the lab's commands are ints.</summary>
    public static byte[] Cmd(long value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        return b;
    }

    public static long Value(byte[] command) => BinaryPrimitives.ReadInt64LittleEndian(command);

    public byte[] RandCmd() => Cmd(Rng.NextInt64(0, long.MaxValue));

    private static string Show(byte[] command) => command.Length == 8 ? Value(command).ToString(CultureInfo.InvariantCulture) : $"<{command.Length} bytes>";
}

/// <summary>A background client stepping in virtual time.</summary>
internal sealed class SimTask(IEnumerator<TimeSpan> steps)
{
    public IEnumerator<TimeSpan> Steps { get; } = steps;

    public TimeSpan WakeAt { get; set; }

    public bool Done { get; set; }
}
