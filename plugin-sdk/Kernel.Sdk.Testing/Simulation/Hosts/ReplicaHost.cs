using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Runtime;

namespace Kernel.Sdk.Testing.Simulation.Hosts;

/// <summary>
/// Runs the replicas of an <see cref="IReplicationStrategy"/> over the key-value model (<see cref="KvModel"/>, the
/// workload's): each is created from its disk at every (re)start and its
/// output goes through the <see cref="ReadyDriver"/> (replace each file atomically, send, answer clients, advance), with
/// armed crashes between two writes, before sending, while sending and before advancing.
/// </summary>
internal sealed class ReplicaHost(SimCluster cluster, IReplicationStrategy strategy) : ISimNodeHost
{
    public void Start(SimNode n)
    {
        IReplicaNode replica;
        try
        {
            replica = strategy.CreateReplica(new ReplicaOptions
            {
                Id = n.Id,
                Replicas = cluster.Nodes,
                Directory = n.Disk,
                Random = new DeterministicRandom(cluster.Random.Fork()),
                Options = cluster.Options.StrategyOptions ?? EmptyConfiguration.Instance,
                Strategies = cluster.Options.Strategies,
            });
            n.Replica = replica;
        }
        catch (Exception ex)
        {
            n.Replica = null;
            if (cluster.FailedOnReadError(n))
            {
                return;
            }

            cluster.Violate(ViolationKinds.Crash, $"{n.Id} failed to start from its directory: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        n.Driver = new ReadyDriver(replica, n.Disk, new Handler(cluster, n), null);
        var files = n.Disk.List().Count;
        n.Paused = false;
        n.TickGeneration++;
        cluster.Trace.Record(cluster.NowMicros, TraceKind.Restart, n.Index, files, 0);
        cluster.Trace.Line(cluster.NowMicros, TraceKind.Restart, n.Index, "start: " + files.ToString(CultureInfo.InvariantCulture) + " file(s) on disk");
        cluster.ScheduleFirstTick(n);
        Process(n);
    }

    public void Tick(SimNode n) => n.Replica!.Tick();

    public void Step(SimNode n, IProtocolMessage message) => n.Replica!.Step(message);

    public void Process(SimNode n)
    {
        if (n.Driver is { } driver)
        {
            cluster.Drained(n, driver.Drain());
        }
    }

    /// <summary>Submits a client request to a running replica and processes what follows; null when it never got there (down, paused, crashed).</summary>
    public SubmitResult? Submit(SimNode n, long requestId, KvCommand command)
    {
        if (!n.Up || n.Paused)
        {
            return null;
        }

        SubmitResult result;
        try
        {
            result = n.Replica!.Submit(requestId, KvModel.Command(command));
        }
        catch (Exception ex)
        {
            cluster.NodeThrew(n, "Submit", ex);
            return null;
        }

        cluster.Trace.Record(cluster.NowMicros, TraceKind.Propose, n.Index, requestId, result.Accepted ? (long)command.Op : -1);
        Process(n);
        return result;
    }

    /// <summary>The simulator's side of one replica's <see cref="ReadyDriver"/>.</summary>
    private sealed class Handler(SimCluster c, SimNode n) : IReplicaReadyHandler
    {
        private long _delay;
        private int _writeBeforeCrash = -1;
        private int _sendBeforeCrash = -1;

        public bool Continue(ReadyStage stage, ReplicaReady? ready, int index)
        {
            switch (stage)
            {
                case ReadyStage.Next:
                    return n.Up && !n.Paused;
                case ReadyStage.WritesStarting:
                    _writeBeforeCrash = n.ArmedCrash == CrashPoint.BeforeSync ? c.Random.Next(ready!.Writes.Count + ready.Appends.Count + 1) : -1;
                    return true;
                case ReadyStage.Writing:
                    return !(index == _writeBeforeCrash && c.StrikeArmedCrash(n, CrashPoint.BeforeSync));
                case ReadyStage.Written:
                    return !c.StrikeArmedCrash(n, CrashPoint.BeforeSync);
                case ReadyStage.Synced:
                    if (c.StrikeArmedCrash(n, CrashPoint.BeforeSend))
                    {
                        return false;
                    }

                    _delay = ready!.Writes.Count + ready.Appends.Count > 0 ? (long)c.Options.SyncLatency.TotalMicroseconds : 0;
                    return true;
                case ReadyStage.SendingStarting or ReadyStage.Sending or ReadyStage.Sent or ReadyStage.Delivered:
                    return c.SendStages(n, stage, index, ready!.Messages.Count, ref _sendBeforeCrash);
                default:
                    return true;
            }
        }

        public void Send(IProtocolMessage message) => c.Network.Send(n, message, _delay);

        public void Respond(long requestId, ReadOnlyMemory<byte> response)
        {
            KvResult result;
            try
            {
                result = KvModel.ReadResult(response);
            }
            catch (FormatException)
            {
                c.Violate(ViolationKinds.Crash, $"{n.Id} answered request {requestId} with {response.Length} byte(s) that are not a key-value response (answer with the model's ModelOutcome.Response)", n.Index);
                return;
            }

            c.Trace.Record(c.NowMicros, TraceKind.Apply, n.Index, requestId, result.Ok ? 1 : 0);
            if (c.Options.RecordAppliedEntries)
            {
                n.Responses.Add(new KeyValuePair<long, KvResult>(requestId, result));
            }

            c.Responded?.Invoke(n, requestId, result);
        }
    }
}
