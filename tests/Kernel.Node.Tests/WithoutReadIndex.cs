using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Node.Tests;

/// <summary>A strategy as it is, but declaring no ReadIndex: the runtime must read through the log.</summary>
internal sealed class WithoutReadIndex(IConsensusStrategy inner) : IConsensusStrategy
{
    public StrategyCategory Category => inner.Category;

    public string Name => inner.Name;

    public string Description => inner.Description;

    public IMessageCodec Codec => inner.Codec;

    public ConsensusCapabilities Capabilities { get; } = inner.Capabilities with { ReadIndex = false };

    public int ReadIndexCalls { get; private set; }

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => inner.ValidateOptions(options);

    public IConsensusStorage OpenStorage(IDurableDirectory directory) => inner.OpenStorage(directory);

    public IConsensusNode CreateNode(ConsensusNodeOptions options) => new Node(inner.CreateNode(options), this);

    /// <summary>The node, counting ReadIndex calls (there must be none).</summary>
    private sealed class Node(IConsensusNode node, WithoutReadIndex owner) : IConsensusNode
    {
        public NodeId Id => node.Id;

        public ConsensusStatus Status => node.Status;

        public bool HasReady => node.HasReady;

        public void Tick() => node.Tick();

        public void Step(IProtocolMessage message) => node.Step(message);

        public ProposeResult Propose(ReadOnlyMemory<byte> command) => node.Propose(command);

        public ProposeResult ProposeMembershipChange(MembershipChange change) => node.ProposeMembershipChange(change);

        public bool ReadIndex(ReadOnlyMemory<byte> context)
        {
            owner.ReadIndexCalls++;
            return node.ReadIndex(context);
        }

        public bool TransferLeadership(NodeId target) => node.TransferLeadership(target);

        public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData) => node.Compact(index, snapshotData);

        public Ready GetReady() => node.GetReady();

        public void Advance(Ready ready) => node.Advance(ready);
    }
}
