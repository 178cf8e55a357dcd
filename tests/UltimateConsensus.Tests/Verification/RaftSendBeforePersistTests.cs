using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;

using Microsoft.Extensions.Configuration;

using UltimateConsensus.Raft;
using UltimateConsensus.Tests.Raft;

using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Verification;

/// <summary>
/// A Raft leader sends its appends before its own write (<see cref="Ready.SendBeforePersist"/>); nothing else may go out
/// before the batch is durable. The rule is checked on the batches of a running cluster, and a variant that sends every
/// batch early (votes and acknowledgements of unsynced state among them) is caught by the verifier.
/// </summary>
public sealed class RaftSendBeforePersistTests(ITestOutputHelper output)
{
    [Fact]
    public void Only_a_leaders_appends_and_heartbeats_go_out_before_its_write()
    {
        var cluster = new TestCluster(3);
        cluster.TickUntilLeader();
        cluster.Stabilize();
        for (var i = 0; i < 20; i++)
        {
            Assert.True(cluster.Propose("put " + i).Accepted);
            cluster.Stabilize();
            cluster.Tick(3);
            cluster.Stabilize();
        }

        var early = cluster.Readies.Where(r => r.Ready.SendBeforePersist).ToList();
        Assert.Contains(early, r => r.Ready.Messages.Any(m => m is AppendRequest { Entries.Count: > 0 }) && r.Ready.Entries.Count > 0);
        foreach (var (node, ready) in early)
        {
            Assert.All(ready.Messages, m => Assert.True(
                m is AppendRequest or Heartbeat or TimeoutNow or ReadIndexResponse or VoteResponse { Granted: false },
                $"{node} sent {m.GetType().Name} before writing its batch"));
            Assert.Null(ready.Snapshot);
        }

        // Followers acknowledge only what they wrote: none of their acknowledgements was sent early.
        Assert.DoesNotContain(cluster.Readies, r => r.Ready.SendBeforePersist && r.Ready.Messages.Any(m => m is AppendResponse or VoteRequest));
        Assert.Contains(cluster.Readies, r => !r.Ready.SendBeforePersist && r.Ready.Messages.Any(m => m is AppendResponse));
    }

    [Fact]
    public void A_variant_that_sends_every_batch_before_writing_it_is_caught()
    {
        Assert.True(SimFaultNames.TryParse("crash,disk", out var faults, out var error), error);
        var summary = Verifier.Run(new EverythingEarly(new RaftStrategy()), new VerifyOptions
        {
            FirstSeed = 1,
            Seeds = 300,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3, Faults = faults },
        });

        Assert.False(summary.Clean, $"acknowledging unsynced entries survived {summary.SeedsRun} seeds");
        var first = summary.Violations.MinBy(v => v.Seed)!;
        output.WriteLine($"caught at seed {first.Seed} ({summary.SeedsRun} seeds run): {first.Kind}: {first.Message}");
    }

    /// <summary>Raft with every batch marked to be sent before it is written: a follower acknowledges entries it may lose.</summary>
    private sealed class EverythingEarly(IConsensusStrategy inner) : IConsensusStrategy
    {
        public StrategyCategory Category => inner.Category;

        public string Name => inner.Name;

        public string Description => inner.Description + " (every batch sent before it is written)";

        public IMessageCodec Codec => inner.Codec;

        public ConsensusCapabilities Capabilities => inner.Capabilities;

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => inner.ValidateOptions(options);

        public IConsensusStorage OpenStorage(IDurableDirectory directory) => inner.OpenStorage(directory);

        public IConsensusNode CreateNode(ConsensusNodeOptions options) => new Node(inner.CreateNode(options));

        private sealed class Node(IConsensusNode node) : IConsensusNode
        {
            private readonly Dictionary<Ready, Ready> _originals = new(ReferenceEqualityComparer.Instance);

            public NodeId Id => node.Id;

            public ConsensusStatus Status => node.Status;

            public bool HasReady => node.HasReady;

            public void Tick() => node.Tick();

            public void Step(IProtocolMessage message) => node.Step(message);

            public ProposeResult Propose(ReadOnlyMemory<byte> command) => node.Propose(command);

            public ProposeResult ProposeMembershipChange(MembershipChange change) => node.ProposeMembershipChange(change);

            public bool ReadIndex(ReadOnlyMemory<byte> context) => node.ReadIndex(context);

            public bool TransferLeadership(NodeId target) => node.TransferLeadership(target);

            public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData) => node.Compact(index, snapshotData);

            public Ready GetReady()
            {
                var r = node.GetReady();
                var early = new Ready
                {
                    HardState = r.HardState,
                    Snapshot = r.Snapshot,
                    Entries = r.Entries,
                    Messages = r.Messages,
                    CommittedEntries = r.CommittedEntries,
                    ReadStates = r.ReadStates,
                    MustSync = r.MustSync,
                    SendBeforePersist = true,
                };
                _originals[early] = r;
                return early;
            }

            public void Advance(Ready ready)
            {
                _originals.Remove(ready, out var original);
                node.Advance(original ?? ready);
            }
        }
    }
}
