using System.Globalization;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>
/// Injects the faults of the safety phase: every so often it picks one of the enabled active faults (partition of some
/// shape, crash and later restart, pause, clock drift), while message loss, duplication and long delays run continuously.
/// <see cref="HealAll"/> ends every fault for the liveness phase. Leadership transfers and membership changes need a
/// log and a leader, so a replication cluster gets neither.
/// </summary>
internal sealed class Nemesis
{
    private readonly SimCluster _cluster;
    private readonly SimFaults _faults;
    private readonly long _interval;
    private readonly List<Action> _actions = [];
    private bool _running;

    /// <summary>How long the membership nemesis keeps a node a learner before it may promote it (simulated microseconds).</summary>
    private const long LearnerAge = 1_500_000;

    private readonly Dictionary<NodeId, long> _learnerSince = [];
    private long _restoreDeadline;
    private (NodeId Leader, long Term, long Index)? _wholeAt;

    public Nemesis(SimCluster cluster)
    {
        _cluster = cluster;
        _faults = cluster.Options.Faults;
        _interval = (long)cluster.Options.NemesisInterval.TotalMicroseconds;
        if (_faults.HasFlag(SimFaults.Partition))
        {
            _actions.Add(PartitionOrHeal);
        }

        if (_faults.HasFlag(SimFaults.Crash))
        {
            _actions.Add(CrashSome);
        }

        if (_faults.HasFlag(SimFaults.Pause))
        {
            _actions.Add(PauseOne);
        }

        if (_faults.HasFlag(SimFaults.Clock))
        {
            _actions.Add(DriftOne);
        }

        // Only what the strategy declares (ConsensusCapabilities): no transfers or membership changes it does not offer.
        if (_faults.HasFlag(SimFaults.Transfer) && cluster.Capabilities is { LeadershipTransfer: true })
        {
            _actions.Add(TransferLeadership);
        }

        if (_faults.HasFlag(SimFaults.Membership) && cluster.Options.Nodes >= 3 && MembershipChanges)
        {
            _actions.Add(ChangeMembership);
        }
    }

    private SimRandom Random => _cluster.Random;

    private int N => _cluster.Options.Nodes;

    /// <summary>True from the heal while membership restoration has not yet seen every node a voter (nor given up).</summary>
    public bool RestoringMembership { get; private set; }

    /// <summary>True when the strategy declares the single-server membership changes this nemesis drives.</summary>
    private bool MembershipChanges => _cluster.Capabilities is { MembershipChanges: Kernel.Sdk.Consensus.MembershipChanges.SingleServer };

    public void Start()
    {
        _running = true;
        _cluster.SetLossAndDuplication(
            _faults.HasFlag(SimFaults.Drop) ? _cluster.Options.DropProbability : 0,
            _faults.HasFlag(SimFaults.Duplicate) ? _cluster.Options.DuplicateProbability : 0);
        if (_faults.HasFlag(SimFaults.Reorder))
        {
            _cluster.Network.LongDelayProbability = _cluster.Options.ReorderProbability;
            _cluster.Network.LongDelayMax = Math.Max(_cluster.Network.LongDelayMax, 300_000);
        }

        if (_actions.Count > 0)
        {
            ScheduleNext();
        }
    }

    public void HealAll()
    {
        _running = false;
        _cluster.Trace.Record(_cluster.NowMicros, TraceKind.Nemesis, 0, "heal all: liveness phase");
        _cluster.SetLossAndDuplication(0, 0);
        _cluster.Network.LongDelayProbability = _cluster.Options.LongDelayProbability;
        _cluster.Network.LongDelayMax = (long)_cluster.Options.LongDelayMax.TotalMicroseconds;
        _cluster.Heal();
        foreach (var n in _cluster.AllNodes)
        {
            n.ArmedCrash = null;
            if (n.Drift != 0)
            {
                _cluster.SetClockDrift(n.Id, 0);
            }

            if (!n.Up)
            {
                _cluster.Restart(n.Id);
            }
            else if (n.Paused)
            {
                _cluster.Resume(n);
            }
        }

        if (_faults.HasFlag(SimFaults.Membership) && MembershipChanges)
        {
            RestoringMembership = true;
            _restoreDeadline = _cluster.NowMicros + (long)_cluster.Options.LivenessTimeout.TotalMicroseconds;
            _wholeAt = null;
            RestoreMembership();
        }
    }

    /// <summary>
    /// Every 50 ms until the real leader has every node as a voter in its committed configuration, asks the leader for
    /// the next step (learner, then voter); past the liveness timeout it gives up and reports a liveness violation.
    /// </summary>
    private void RestoreMembership()
    {
        if (_cluster.Stopped || !RestoringMembership)
        {
            return;
        }

        if (MembershipIsWhole(out var why))
        {
            RestoringMembership = false;
            Note("membership whole: every node a voter");
            return;
        }

        if (_cluster.NowMicros >= _restoreDeadline)
        {
            RestoringMembership = false;
            if (_cluster.Violations.Count > 0)
            {
                return; // already reported (a cluster without a leader fails the liveness phase first)
            }

            _cluster.Violate(ViolationKinds.Liveness,
                $"membership not restored within {_cluster.Options.LivenessTimeout.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)}s of the heal: {why}");
            return;
        }

        _cluster.After(50_000, RestoreMembership);
    }

    /// <summary>
    /// True when every node is a voter according to a leader that is not stale: no running node is in a later term, every
    /// running node follows it in its term, and its commit index has reached what its log held when it was first seen
    /// whole (so the configuration it shows, and no pending change, is committed). Otherwise proposes the next change to
    /// the leader when a node is missing, and says why not in <paramref name="why"/>.
    /// </summary>
    private bool MembershipIsWhole(out string why)
    {
        var leader = _cluster.Leader();
        if (leader.IsNone || _cluster.Status(leader) is not { } status)
        {
            _wholeAt = null;
            why = "no leader";
            return false;
        }

        if (ProposeNextRestoringChange(leader, status))
        {
            _wholeAt = null;
            why = $"{leader} (term {status.Term}) has the configuration {status.Membership}";
            return false;
        }

        foreach (var id in _cluster.Nodes)
        {
            if (_cluster.Status(id) is { } other && (other.Term != status.Term || (id != leader && other.Leader != leader)))
            {
                _wholeAt = null;
                why = $"{leader} leads term {status.Term} with every node a voter, but {id} is in term {other.Term} following {other.Leader}";
                return false;
            }
        }

        if (_wholeAt is not { } seen || seen.Leader != leader || seen.Term != status.Term)
        {
            _wholeAt = (leader, status.Term, status.LastIndex);
            why = $"{leader} (term {status.Term}) has every node a voter, not yet confirmed committed";
            return false;
        }

        why = $"{leader} (term {status.Term}) has every node a voter but commit {status.Commit} is below {seen.Index}";
        return status.Commit >= seen.Index;
    }

    /// <summary>Proposes to <paramref name="leader"/> the next change that brings a missing node back; false when its configuration has every node a voter.</summary>
    private bool ProposeNextRestoringChange(NodeId leader, ConsensusStatus status)
    {
        var missing = _cluster.Nodes.Where(id => !status.Membership.IsVoter(id)).ToList();
        if (missing.Count == 0)
        {
            return false;
        }

        var id = missing[0];
        var kind = status.Membership.Learners.Contains(id) ? MembershipChangeKind.AddVoter : MembershipChangeKind.AddLearner;
        _cluster.ProposeMembershipChange(leader, new MembershipChange(kind, id));
        return true;
    }

    /// <summary>
    /// One step of a random walk over configurations, so that changes come in long chains: remove a voter (while more
    /// than two remain), add a missing node as a learner, promote a learner that has been one for a while (learners are
    /// kept, so that quorum counting and snapshots meet them), or drop a learner. With the short snapshot intervals some
    /// seeds draw, snapshots then cross membership changes.
    /// </summary>
    private void ChangeMembership()
    {
        var leader = _cluster.Leader();
        if (leader.IsNone || _cluster.Status(leader) is not { } status)
        {
            return;
        }

        var m = status.Membership;
        var now = _cluster.NowMicros;
        foreach (var learner in m.Learners)
        {
            _learnerSince.TryAdd(learner, now);
        }

        foreach (var id in _learnerSince.Keys.Where(id => !m.Learners.Contains(id)).ToList())
        {
            _learnerSince.Remove(id);
        }

        var missing = _cluster.Nodes.Where(id => !m.Contains(id)).ToList();
        var ripe = m.Learners.Where(id => now - _learnerSince[id] >= LearnerAge).ToList();
        var choices = new List<(int Weight, Action Act)>();
        if (m.Voters.Count > 2)
        {
            choices.Add((3, () =>
            {
                // Any voter may go, the leader included (it must step down once the change commits).
                var victim = m.Voters[Random.Next(m.Voters.Count)];
                Note("remove " + victim);
                _cluster.ProposeMembershipChange(leader, new MembershipChange(MembershipChangeKind.Remove, victim));
            }));
        }

        if (missing.Count > 0)
        {
            choices.Add((2, () =>
            {
                var id = missing[Random.Next(missing.Count)];
                Note("add learner " + id);
                _cluster.ProposeMembershipChange(leader, new MembershipChange(MembershipChangeKind.AddLearner, id));
            }));
        }

        if (ripe.Count > 0)
        {
            choices.Add((3, () =>
            {
                var id = ripe[Random.Next(ripe.Count)];
                Note("promote " + id);
                _cluster.ProposeMembershipChange(leader, new MembershipChange(MembershipChangeKind.AddVoter, id));
            }));
        }

        if (m.Learners.Count > 0)
        {
            choices.Add((1, () =>
            {
                var id = m.Learners[Random.Next(m.Learners.Count)];
                Note("remove learner " + id);
                _cluster.ProposeMembershipChange(leader, new MembershipChange(MembershipChangeKind.Remove, id));
            }));
        }

        var total = choices.Sum(c => c.Weight);
        if (total == 0)
        {
            return;
        }

        var pick = Random.Next(total);
        foreach (var (weight, act) in choices)
        {
            if (pick < weight)
            {
                act();
                return;
            }

            pick -= weight;
        }
    }

    private void TransferLeadership()
    {
        var leader = _cluster.Leader();
        if (leader.IsNone || _cluster.Status(leader) is not { } status)
        {
            return;
        }

        var others = status.Membership.Voters.Where(v => v != leader).ToList();
        if (others.Count == 0)
        {
            return;
        }

        var target = others[Random.Next(others.Count)];
        Note($"transfer leadership {leader} -> {target}");
        _cluster.TransferLeadership(leader, target);
    }

    private void ScheduleNext() =>
        _cluster.After(Random.NextInt64(_interval / 2, (_interval * 3 / 2) + 1), () =>
        {
            if (!_running)
            {
                return;
            }

            _actions[Random.Next(_actions.Count)]();
            ScheduleNext();
        });

    private void Note(string text) => _cluster.Trace.Record(_cluster.NowMicros, TraceKind.Nemesis, 0, text);

    private void PartitionOrHeal()
    {
        if (_cluster.AnyBlocked())
        {
            Note("heal partition");
            _cluster.Heal();
            return;
        }

        var ids = _cluster.Nodes.ToList();
        Random.Shuffle(ids);
        switch (Random.Next(5))
        {
            case 0:
            {
                // Halves (as equal as the size allows).
                var half = ids.Count / 2;
                Note("partition halves");
                _cluster.Partition([.. ids.Take(half)], [.. ids.Skip(half)]);
                break;
            }

            case 1:
            {
                // A random minority cut off from the majority.
                var minority = Random.Next(1, Math.Max(2, (ids.Count + 1) / 2));
                Note("partition majority/minority");
                _cluster.Partition([.. ids.Take(minority)], [.. ids.Skip(minority)]);
                break;
            }

            case 2:
            {
                // Some directed links cut: one-way partitions.
                var links = Random.Next(1, (N * (N - 1) / 2) + 1);
                Note("partition one-way x" + links.ToString(CultureInfo.InvariantCulture));
                for (var k = 0; k < links && N > 1; k++)
                {
                    var from = ids[Random.Next(ids.Count)];
                    var to = ids[Random.Next(ids.Count)];
                    if (from != to)
                    {
                        _cluster.Block(from, to);
                    }
                }

                break;
            }

            case 3:
            {
                var leader = _cluster.Leader();
                var victim = leader.IsNone ? ids[0] : leader;
                Note("isolate leader " + victim);
                _cluster.Disconnect(victim);
                break;
            }

            default:
            {
                // A bridge: two sides that only one node can talk to.
                if (ids.Count < 3)
                {
                    _cluster.Disconnect(ids[0]);
                    break;
                }

                var bridge = ids[0];
                var rest = ids.Skip(1).ToList();
                var cut = rest.Count / 2;
                Note("partition bridge " + bridge);
                _cluster.Partition([bridge, .. rest.Take(cut)], [.. rest.Skip(cut)]);
                foreach (var id in rest.Skip(cut))
                {
                    _cluster.Unblock(bridge, id);
                    _cluster.Unblock(id, bridge);
                }

                break;
            }
        }

        // Heal after a while unless another action heals (or replaces) it first.
        _cluster.After(Random.NextInt64(200_000, 2_000_000), () =>
        {
            if (_running && _cluster.AnyBlocked())
            {
                Note("heal partition (timer)");
                _cluster.Heal();
            }
        });
    }

    private void CrashSome()
    {
        var up = _cluster.AllNodes.Where(n => n.Up).ToList();
        if (up.Count == 0)
        {
            return;
        }

        Random.Shuffle(up);
        if (Random.Chance(0.5))
        {
            // A crash in the middle of handling a Ready: between writing and syncing, before or while sending, before Advance.
            // Half of them wait for a Ready of a kind that matters (a vote or term change, a membership entry, a snapshot,
            // appended entries); one that has not struck within two seconds takes the next Ready instead.
            var target = up[0];
            target.ArmedCrash = (CrashPoint)Random.Next(4);
            target.ArmedTrigger = !_cluster.IsReplication && Random.Chance(0.5) ? (CrashTrigger)Random.Next(1, 5) : CrashTrigger.Any;
            Note($"arm crash of {target.Id} at {target.ArmedCrash} on {target.ArmedTrigger}");
            if (target.ArmedTrigger != CrashTrigger.Any)
            {
                var armedIncarnation = target.Incarnation;
                _cluster.After(2_000_000, () =>
                {
                    if (target.Incarnation == armedIncarnation && target.ArmedCrash is not null)
                    {
                        target.ArmedTrigger = CrashTrigger.Any;
                    }
                });
            }

            RestartWhenDown(target.Id, target.Incarnation);
            return;
        }

        var count = Random.Chance(0.75) ? 1 : Random.Next(1, (N / 2) + 2);
        foreach (var n in up.Take(count))
        {
            Note("crash " + n.Id);
            _cluster.CrashNode(n, _cluster.CrashMode, "nemesis crash");
            var id = n.Id;
            _cluster.After(Random.NextInt64(10_000, 1_500_000), () =>
            {
                if (_running)
                {
                    _cluster.Restart(id);
                }
            });
        }
    }

    /// <summary>Waits for an armed crash to strike, then restarts the node after a while.</summary>
    private void RestartWhenDown(Kernel.Sdk.Cluster.NodeId id, long incarnation)
    {
        _cluster.After(20_000, () =>
        {
            var n = _cluster.AllNodes.First(x => x.Id == id);
            if (!_running || n.Incarnation != incarnation + 1 || n.Up)
            {
                if (_running && n.Up && n.Incarnation == incarnation && n.ArmedCrash is not null)
                {
                    RestartWhenDown(id, incarnation); // not struck yet
                }

                return;
            }

            _cluster.After(Random.NextInt64(10_000, 1_500_000), () =>
            {
                if (_running)
                {
                    _cluster.Restart(id);
                }
            });
        });
    }

    private void PauseOne()
    {
        var up = _cluster.AllNodes.Where(n => n.Up && !n.Paused).ToList();
        if (up.Count == 0)
        {
            return;
        }

        var n = up[Random.Next(up.Count)];
        Note("pause " + n.Id);
        _cluster.Pause(n.Id, TimeSpan.FromMicroseconds(Random.NextInt64(50_000, 2_000_000)));
    }

    private void DriftOne()
    {
        var n = _cluster.AllNodes[Random.Next(N)];
        var drift = (Random.NextDouble() * 0.2) - 0.1;
        _cluster.SetClockDrift(n.Id, drift);
    }
}
