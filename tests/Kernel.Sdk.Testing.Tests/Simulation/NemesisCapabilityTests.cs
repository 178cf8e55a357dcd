using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>The nemesis and the workload use only what a strategy declares in its <see cref="ConsensusCapabilities"/>.</summary>
public sealed class NemesisCapabilityTests
{
    [Fact]
    public void Transfers_and_membership_changes_are_tried_only_on_a_strategy_that_declares_them()
    {
        var options = new SimulationOptions { Seed = 11, Faults = SimFaults.Transfer | SimFaults.Membership, SafetyDuration = TimeSpan.FromSeconds(8) };

        var silent = new CountingToy(new ConsensusCapabilities { ReadIndex = true });
        Simulator.Run(silent, options);
        Assert.Equal((0, 0), (silent.Transfers, silent.MembershipChanges));

        // The same toy declaring both gets both: the counts above are not zero by accident.
        var declaring = new CountingToy(new ConsensusCapabilities
        {
            ReadIndex = true,
            LeadershipTransfer = true,
            MembershipChanges = MembershipChanges.SingleServer,
        });
        Simulator.Run(declaring, options);
        Assert.True(declaring.Transfers > 0, "a declared leadership transfer was never tried");
        Assert.True(declaring.MembershipChanges > 0, "declared membership changes were never tried");
    }

    [Fact]
    public void Reads_go_through_the_log_when_the_strategy_declares_no_ReadIndex()
    {
        var options = new SimulationOptions { Seed = 5, Faults = SimFaults.None, SafetyDuration = TimeSpan.FromSeconds(3) };
        var noReadIndex = new CountingToy(new ConsensusCapabilities());
        var result = Simulator.Run(noReadIndex, options);
        Assert.Equal(0, noReadIndex.ReadIndexCalls);
        Assert.True(result.Operations.Ok > 50);

        var withReadIndex = new CountingToy(new ConsensusCapabilities { ReadIndex = true });
        Simulator.Run(withReadIndex, options);
        Assert.True(withReadIndex.ReadIndexCalls > 0);
    }

    /// <summary>The toy Raft with the capabilities a test gives it, counting the calls the simulator makes.</summary>
    private sealed class CountingToy(ConsensusCapabilities capabilities) : IConsensusStrategy
    {
        private readonly ToyRaftStrategy _inner = new();

        public int Transfers { get; private set; }

        public int MembershipChanges { get; private set; }

        public int ReadIndexCalls { get; private set; }

        public StrategyCategory Category => StrategyCategory.Consensus;

        public string Name => "counting-toy";

        public string Description => "toy Raft counting transfers, membership changes and ReadIndex calls";

        public IMessageCodec Codec => _inner.Codec;

        public ConsensusCapabilities Capabilities => capabilities;

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => [];

        public IConsensusStorage OpenStorage(IDurableDirectory directory) => _inner.OpenStorage(directory);

        public IConsensusNode CreateNode(ConsensusNodeOptions options) => new Counting(this, _inner.CreateNode(options));

        private sealed class Counting(CountingToy owner, IConsensusNode inner) : IConsensusNode
        {
            public NodeId Id => inner.Id;

            public ConsensusStatus Status => inner.Status;

            public bool HasReady => inner.HasReady;

            public void Tick() => inner.Tick();

            public void Step(IProtocolMessage message) => inner.Step(message);

            public ProposeResult Propose(ReadOnlyMemory<byte> command) => inner.Propose(command);

            public ProposeResult ProposeMembershipChange(MembershipChange change)
            {
                owner.MembershipChanges++;
                return inner.ProposeMembershipChange(change);
            }

            public bool ReadIndex(ReadOnlyMemory<byte> context)
            {
                owner.ReadIndexCalls++;
                return inner.ReadIndex(context);
            }

            public bool TransferLeadership(NodeId target)
            {
                owner.Transfers++;
                return inner.TransferLeadership(target);
            }

            public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData) => inner.Compact(index, snapshotData);

            public Ready GetReady() => inner.GetReady();

            public void Advance(Ready ready) => inner.Advance(ready);
        }
    }
}
