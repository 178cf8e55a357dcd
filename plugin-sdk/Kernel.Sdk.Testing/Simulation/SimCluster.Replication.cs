using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>The replica host: how a <see cref="SimCluster"/> runs the nodes of an <see cref="IReplicationStrategy"/>.</summary>
public sealed partial class SimCluster
{
    /// <summary>
    /// Submits a client request to a replica and processes what follows (its <see cref="ReplicaReady"/>); the response
    /// comes in a later batch, or never. Returns false, and submits nothing, when the replica is down or paused.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cluster runs a consensus strategy (use <see cref="Propose"/>).</exception>
    public bool Submit(NodeId node, long requestId, KvCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (_replication is null)
        {
            throw new InvalidOperationException("Submit is for replication clusters; a consensus cluster takes proposals (Propose, ReadIndex).");
        }

        var n = _nodes[IndexOf(node)];
        if (!n.Up || n.Paused)
        {
            return false;
        }

        try
        {
            n.Replica!.Submit(requestId, command);
        }
        catch (Exception ex)
        {
            NodeThrew(n, "Submit", ex);
            return false;
        }

        Trace.Record(_now, TraceKind.Propose, n.Index, requestId, (long)command.Op);
        ProcessReplicaReady(n);
        return true;
    }

    /// <summary>The running replica a strategy-specific test may inspect, or null when down (always on a consensus cluster).</summary>
    public IReplicaNode? GetReplica(NodeId node) => _nodes[IndexOf(node)].Replica;

    /// <summary>The replica's key-value contents (<see cref="IReplicaNode.Snapshot"/>), or null when it is down or the cluster runs consensus.</summary>
    public IReadOnlyDictionary<string, string>? ReplicaContents(NodeId node) => _nodes[IndexOf(node)].Replica?.Snapshot();

    /// <summary>Responses the replica gave to client requests since the cluster was created, oldest first (when applied entries are recorded).</summary>
    public IReadOnlyList<KeyValuePair<long, KvResult>> Responses(NodeId node) => _nodes[IndexOf(node)].Responses;

    private void RequireConsensus()
    {
        if (_strategy is null)
        {
            throw new InvalidOperationException("This cluster runs a replication strategy: it has no log, leader or membership; submit requests with Submit.");
        }
    }

    /// <summary>Creates the node's replica from what its directory holds (empty on first start).</summary>
    private void StartReplica(SimNode n)
    {
        try
        {
            n.Replica = _replication!.CreateReplica(new ReplicaOptions
            {
                Id = n.Id,
                Replicas = Nodes,
                Directory = n.Disk,
                Random = new DeterministicRandom(Random.Fork()),
                Options = _options.StrategyOptions ?? EmptyConfiguration.Instance,
            });
        }
        catch (Exception ex)
        {
            n.Replica = null;
            Violate(ViolationKinds.Crash, $"{n.Id} failed to start from its directory: {ex.GetType().Name}: {ex.Message}", n.Index);
            return;
        }

        var files = n.Disk.List().Count;
        n.Paused = false;
        n.TickGeneration++;
        Trace.Record(_now, TraceKind.Restart, n.Index, files, 0);
        Trace.Line(_now, TraceKind.Restart, n.Index, "start: " + files.ToString(CultureInfo.InvariantCulture) + " file(s) on disk");
        Schedule(_now + Random.NextInt64(1, TickInterval(n) + 1), new SimEvent(EventKind.Tick, n.Index, 0, n.TickGeneration, null));
        ProcessReplicaReady(n);
    }

    /// <summary>
    /// The replica loop: while the replica has a batch, replace each file atomically, then send the messages (after the
    /// sync latency when anything was written), then hand the responses to the clients, then advance. Armed crashes strike
    /// between two writes (<see cref="CrashPoint.BeforeSync"/>), before sending, while sending, or before advancing.
    /// </summary>
    private void ProcessReplicaReady(SimNode n)
    {
        var guard = 0;
        while (n.Up && !n.Paused)
        {
            var replica = n.Replica!;
            if (!NextReady(n, ref guard, static x => x.Replica!.HasReady, static x => x.Replica!.GetReady(), out var ready))
            {
                break; // nothing more, or the node threw or livelocked (then it is down)
            }

            var writes = ready.Writes;
            var writeBeforeCrash = n.ArmedCrash == CrashPoint.BeforeSync ? Random.Next(writes.Count + 1) : -1;
            try
            {
                for (var i = 0; i < writes.Count; i++)
                {
                    if (i == writeBeforeCrash && StrikeArmedCrash(n, CrashPoint.BeforeSync))
                    {
                        return;
                    }

                    n.Disk.WriteAtomic(writes[i].Key, writes[i].Value.Span);
                }
            }
            catch (Exception ex)
            {
                NodeThrew(n, "storage", ex);
                return;
            }

            if (StrikeArmedCrash(n, CrashPoint.BeforeSync) || StrikeArmedCrash(n, CrashPoint.BeforeSend))
            {
                return;
            }

            var delay = writes.Count > 0 ? (long)_options.SyncLatency.TotalMicroseconds : 0;
            var messages = ready.Messages;
            var sendBeforeCrash = n.ArmedCrash == CrashPoint.MidSend ? Random.Next(messages.Count + 1) : -1;
            for (var i = 0; i < messages.Count; i++)
            {
                if (i == sendBeforeCrash && StrikeArmedCrash(n, CrashPoint.MidSend))
                {
                    return;
                }

                Send(n, messages[i], delay);
            }

            if (StrikeArmedCrash(n, CrashPoint.MidSend))
            {
                return;
            }

            foreach (var (requestId, result) in ready.Responses)
            {
                if (result is null)
                {
                    Violate(ViolationKinds.Crash, $"{n.Id} answered request {requestId} with a null result", n.Index);
                    continue;
                }

                Trace.Record(_now, TraceKind.Apply, n.Index, requestId, result.Ok ? 1 : 0);
                if (_options.RecordAppliedEntries)
                {
                    n.Responses.Add(new KeyValuePair<long, KvResult>(requestId, result));
                }

                Responded?.Invoke(n, requestId, result);
            }

            if (StrikeArmedCrash(n, CrashPoint.BeforeAdvance))
            {
                return;
            }

            try
            {
                replica.Advance(ready);
            }
            catch (Exception ex)
            {
                NodeThrew(n, "Advance", ex);
                return;
            }
        }
    }
}
