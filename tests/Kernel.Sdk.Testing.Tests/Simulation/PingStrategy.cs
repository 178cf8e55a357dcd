using System.Buffers;
using System.Buffers.Binary;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>A non-protocol for network tests: every tick each node pings every other node; nodes count what they receive.</summary>
internal sealed class PingStrategy : IConsensusStrategy
{
    public StrategyCategory Category => StrategyCategory.Consensus;

    public string Name => "ping";

    public string Description => "pings";

    public IMessageCodec Codec { get; } = new PingCodec();

    public ConsensusCapabilities Capabilities { get; } = new();

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => [];

    public IConsensusStorage OpenStorage(IDurableDirectory directory) => new NoStorage();

    public IConsensusNode CreateNode(ConsensusNodeOptions options) => new PingNode(options.Id, options.InitialMembership);

    internal sealed record Ping(NodeId From, NodeId To, long Seq) : IProtocolMessage;

    private sealed class PingCodec : IMessageCodec
    {
        public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
        {
            var p = (Ping)message;
            var span = output.GetSpan(16);
            BinaryPrimitives.WriteInt32LittleEndian(span, p.From.Value);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], p.To.Value);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], p.Seq);
            output.Advance(16);
        }

        public IProtocolMessage Decode(ReadOnlySpan<byte> input) =>
            input.Length != 16 ? throw new FormatException("not a ping")
            : new Ping(new NodeId(BinaryPrimitives.ReadInt32LittleEndian(input)), new NodeId(BinaryPrimitives.ReadInt32LittleEndian(input[4..])),
                BinaryPrimitives.ReadInt64LittleEndian(input[8..]));
    }

    /// <summary>Storage that keeps nothing, for strategies whose tests never restart a node.</summary>
    internal sealed class NoStorage : IConsensusStorage
    {
        public RecoveredState Recovered => RecoveredState.Empty;

        public void SaveHardState(ReadOnlyMemory<byte> hardState)
        {
        }

        public void Append(IReadOnlyList<LogEntry> entries)
        {
        }

        public void SaveSnapshot(Snapshot snapshot)
        {
        }

        public void Sync()
        {
        }

        public void Dispose()
        {
        }
    }

    internal sealed class PingNode(NodeId id, Membership membership) : IConsensusNode
    {
        private readonly List<IProtocolMessage> _out = [];
        private long _seq;

        public Dictionary<NodeId, int> ReceivedFrom { get; } = [];

        public NodeId Id => id;

        public ConsensusStatus Status => new(id, ConsensusRole.Follower, 0, NodeId.None, 0, 0, 0, membership);

        public bool HasReady => _out.Count > 0;

        public void Tick()
        {
            foreach (var v in membership.Voters)
            {
                if (v != id)
                {
                    _out.Add(new Ping(id, v, ++_seq));
                }
            }
        }

        public void Step(IProtocolMessage message) =>
            ReceivedFrom[message.From] = ReceivedFrom.GetValueOrDefault(message.From) + 1;

        public ProposeResult Propose(ReadOnlyMemory<byte> command) => ProposeResult.Refused("no");

        public ProposeResult ProposeMembershipChange(MembershipChange change) => ProposeResult.Refused("no");

        public bool ReadIndex(ReadOnlyMemory<byte> context) => false;

        public bool TransferLeadership(NodeId target) => false;

        public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData) => null;

        public Ready GetReady() => new() { Messages = [.. _out] };

        public void Advance(Ready ready) => _out.Clear();
    }
}
