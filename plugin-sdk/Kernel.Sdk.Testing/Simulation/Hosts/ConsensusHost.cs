using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Runtime;
using Kernel.Sdk.Testing.Simulation.Invariants;

namespace Kernel.Sdk.Testing.Simulation.Hosts;

/// <summary>
/// Runs the nodes of an <see cref="IConsensusStrategy"/>: each node's output goes through the <see cref="ReadyDriver"/>
/// (persist, sync, send, apply, advance) into a key-value state machine, with the simulator's armed crashes at the
/// driver's stages, and the protocol invariants (<see cref="IConsensusInvariant"/>) checked as it goes.
/// </summary>
internal sealed class ConsensusHost : ISimNodeHost
{
    private readonly SimCluster _cluster;
    private readonly IConsensusStrategy _strategy;
    private readonly Membership _membership;
    private readonly AppliedLogSafety _appliedLog;
    private readonly IConsensusInvariant[] _invariants;
    private readonly ReadyDriverOptions _driverOptions;

    public ConsensusHost(SimCluster cluster, IConsensusStrategy strategy, Membership membership)
    {
        _cluster = cluster;
        _strategy = strategy;
        _membership = membership;
        _appliedLog = new AppliedLogSafety(cluster);
        _invariants = [_appliedLog, new ElectionSafety(cluster)];
        _driverOptions = new ReadyDriverOptions { SnapshotEvery = cluster.Options.SnapshotEvery };
    }

    /// <summary>True when <paramref name="index"/> was applied with this entry hash by some node.</summary>
    public bool AppliedAtMatches(long index, ulong hash) => _appliedLog.AppliedAtMatches(index, hash);

    public void Start(SimNode n)
    {
        var c = _cluster;
        IConsensusStorage storage;
        RecoveredState recovered;
        try
        {
            storage = _strategy.OpenStorage(n.Disk);
            recovered = storage.Recovered;
        }
        catch (Exception ex)
        {
            if (c.FailedOnReadError(n))
            {
                return;
            }

            c.Violate(ViolationKinds.Crash, $"{n.Id} could not open its storage after restart: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        var covered = Math.Max(recovered.Snapshot?.Index ?? 0, recovered.Entries.Count > 0 ? recovered.Entries[^1].Index : 0);
        foreach (var invariant in _invariants)
        {
            invariant.Started(n, covered);
        }

        try
        {
            var node = _strategy.CreateNode(new ConsensusNodeOptions
            {
                Id = n.Id,
                InitialMembership = _membership,
                Recovered = recovered,
                Random = new DeterministicRandom(c.Random.Fork()),
                Options = c.Options.StrategyOptions ?? EmptyConfiguration.Instance,
                LinkKeys = new SimLinkKeys(c.Seed, n.Id),
            });
            n.Node = node;
            n.Storage = storage;
            n.StateMachine = new KvStateMachine();
            if (recovered.Snapshot is { } snap)
            {
                n.StateMachine.Restore(snap.Data.Span);
            }

            n.Applied = recovered.Snapshot?.Index ?? 0;
            n.AppliedTerm = recovered.Snapshot?.Term ?? 0;
            n.Driver = new ReadyDriver(node, storage, new Handler(this, n), _driverOptions);
        }
        catch (Exception ex)
        {
            n.Node = null;
            n.Driver = null;
            storage.Dispose();
            if (c.FailedOnReadError(n))
            {
                return;
            }

            c.Violate(ViolationKinds.Crash, $"{n.Id} failed to start: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        n.Paused = false;
        n.TickGeneration++;
        c.Trace.Record(c.NowMicros, TraceKind.Restart, n.Index, covered, n.Applied);
        c.Trace.Line(c.NowMicros, TraceKind.Restart, n.Index, $"start: recovered snapshot {recovered.Snapshot?.Index ?? 0}, log to {covered}");
        c.ScheduleFirstTick(n);
        Process(n);
    }

    public void Tick(SimNode n) => n.Node!.Tick();

    public void Step(SimNode n, IProtocolMessage message) => n.Node!.Step(message);

    public void Process(SimNode n)
    {
        if (n.Driver is not { } driver)
        {
            return;
        }

        var drain = driver.Drain();
        _cluster.Drained(n, drain);

        // A node that did nothing cannot have become a leader worth checking: a new leader always has output.
        if (drain.Batches > 0 && n.Up)
        {
            ConsensusStatus status;
            try
            {
                status = n.Node!.Status;
            }
            catch (Exception ex)
            {
                _cluster.NodeThrew(n, "Status", ex);
                return;
            }

            foreach (var invariant in _invariants)
            {
                invariant.Processed(n, status);
            }
        }
    }

    /// <summary>
    /// Calls a running consensus node from outside (a test or the nemesis), records the call, then processes the node's
    /// output. A down or paused node gets no call; a node that throws is reported and crashed.
    /// </summary>
    public T Drive<T>(SimNode n, string what, Func<IConsensusNode, T> call, Func<string, T> refused, Action<SimNode, T>? record)
    {
        if (!n.Up || n.Paused)
        {
            return refused(n.Up ? "node is paused" : "node is down");
        }

        T result;
        try
        {
            result = call(n.Node!);
        }
        catch (Exception ex)
        {
            _cluster.NodeThrew(n, what, ex);
            return refused("node crashed");
        }

        record?.Invoke(n, result);
        Process(n);
        return result;
    }

    internal static bool Matches(CrashTrigger trigger, Ready ready)
    {
        switch (trigger)
        {
            case CrashTrigger.HardStateOnly:
                return !ready.HardState.IsEmpty && ready.Entries.Count == 0;
            case CrashTrigger.Snapshot:
                return ready.Snapshot is not null;
            case CrashTrigger.Entries:
                return ready.Entries.Count > 0;
            case CrashTrigger.Membership:
                for (var i = 0; i < ready.Entries.Count; i++)
                {
                    if (ready.Entries[i].Kind == EntryKind.Membership)
                    {
                        return true;
                    }
                }

                for (var i = 0; i < ready.CommittedEntries.Count; i++)
                {
                    if (ready.CommittedEntries[i].Kind == EntryKind.Membership)
                    {
                        return true;
                    }
                }

                return false;
            default:
                return true;
        }
    }

    private void Install(SimNode n, Snapshot installed)
    {
        var c = _cluster;
        foreach (var invariant in _invariants)
        {
            invariant.Installed(n, installed);
        }

        try
        {
            n.StateMachine.Restore(installed.Data.Span);
        }
        catch (FormatException ex)
        {
            c.Violate(ViolationKinds.Crash, $"{n.Id} received a snapshot the state machine cannot read: {ex.Message}", n.Index);
        }

        n.Applied = installed.Index;
        n.AppliedTerm = installed.Term;
        n.MaxAppliedEver = Math.Max(n.MaxAppliedEver, n.Applied);
        c.Trace.Record(c.NowMicros, TraceKind.Apply, n.Index, installed.Index, -1);
    }

    private void Apply(SimNode n, LogEntry entry)
    {
        var c = _cluster;
        var hash = SimCluster.EntryHash(entry);
        foreach (var invariant in _invariants)
        {
            if (!invariant.Applying(n, entry, hash))
            {
                return;
            }
        }

        n.Applied = entry.Index;
        n.AppliedTerm = entry.Term;
        n.MaxAppliedEver = Math.Max(n.MaxAppliedEver, n.Applied);
        if (c.Options.RecordAppliedEntries)
        {
            n.AppliedLog.Add(entry);
        }

        c.Trace.Record(c.NowMicros, TraceKind.Apply, n.Index, entry.Index, entry.Term, entry.Data.Span);
        if (entry.Kind != EntryKind.Command)
        {
            return;
        }

        var result = n.StateMachine.Apply(entry.Data.Span, out var request);
        if (result is not null)
        {
            c.Applied?.Invoke(n, entry.Index, hash, request, result);
        }
    }

    /// <summary>The simulator's side of one node's <see cref="ReadyDriver"/>: armed crashes at the stages, the network, the state machine.</summary>
    private sealed class Handler(ConsensusHost host, SimNode n) : IConsensusReadyHandler
    {
        private CrashPoint? _waiting;
        private long _delay;
        private int _sendBeforeCrash = -1;

        public bool Continue(ReadyStage stage, Ready? ready, int index)
        {
            var c = host._cluster;
            switch (stage)
            {
                case ReadyStage.Next:
                    return n.Up && !n.Paused;
                case ReadyStage.Received:
                    // An armed crash that waits for another kind of Ready sits this one out.
                    _waiting = n.ArmedCrash is not null && !Matches(n.ArmedTrigger, ready!) ? n.ArmedCrash : null;
                    if (_waiting is not null)
                    {
                        n.ArmedCrash = null;
                    }

                    _delay = 0;
                    return true;
                case ReadyStage.Written:
                    return !c.StrikeArmedCrash(n, CrashPoint.BeforeSync);
                case ReadyStage.Synced:
                    _delay = ready!.MustSync ? (long)c.Options.SyncLatency.TotalMicroseconds : 0;
                    return !c.StrikeArmedCrash(n, CrashPoint.BeforeSend);
                case ReadyStage.SendingStarting or ReadyStage.Sending or ReadyStage.Sent or ReadyStage.Delivered:
                    return c.SendStages(n, stage, index, ready!.Messages.Count, ref _sendBeforeCrash);
                case ReadyStage.Advanced:
                    if (_waiting is not null && n.Up)
                    {
                        n.ArmedCrash = _waiting;
                    }

                    return n.Up;
                default:
                    return true;
            }
        }

        public void Send(IProtocolMessage message) => host._cluster.Network.Send(n, message, _delay);

        public void Restore(Snapshot snapshot) => host.Install(n, snapshot);

        public void Apply(LogEntry entry) => host.Apply(n, entry);

        public void ServeRead(ReadState read)
        {
            if (host._cluster.Options.RecordAppliedEntries)
            {
                n.Served.Add(read.Context);
            }

            host._cluster.ReadServed?.Invoke(n, read.Context);
        }

        public ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex) => n.StateMachine.Snapshot();
    }
}
