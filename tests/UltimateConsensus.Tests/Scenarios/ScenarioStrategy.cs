using System.Buffers;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

using UltimateConsensus.Raft;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>
/// A consensus strategy exactly as shipped (Raft unless a scenario row says otherwise: it builds the nodes, the WAL and
/// reads the options), with its codec wrapped to count what goes on the wire by message type (Raft's types; another
/// protocol's messages count as requests). The simulator encodes every message once, when it is
/// sent (before it decides whether the network loses it), so these are "sent" counts: never below what labrpc counts as
/// delivered RPCs, hence conservative for the 6.5840 bounds.
/// </summary>
internal sealed class ScenarioStrategy : IConsensusStrategy
{
    private readonly IConsensusStrategy _inner;
    private readonly CountingCodec _codec;

    public ScenarioStrategy(IConsensusStrategy? inner = null)
    {
        _inner = inner ?? new RaftStrategy();
        _codec = new CountingCodec(_inner.Codec);
    }

    public StrategyCategory Category => _inner.Category;

    public string Name => _inner.Name;

    public string Description => _inner.Description;

    public IMessageCodec Codec => _codec;

    public ConsensusCapabilities Capabilities => _inner.Capabilities;

    /// <summary>What was sent so far.</summary>
    public WireCounts Wire => _codec.Counts;

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => _inner.ValidateOptions(options);

    public IConsensusStorage OpenStorage(IDurableDirectory directory) => _inner.OpenStorage(directory);

    public IConsensusNode CreateNode(ConsensusNodeOptions options) => _inner.CreateNode(options);

    private sealed class CountingCodec(IMessageCodec inner) : IMessageCodec
    {
        private readonly IMessageCodec _inner = inner;
        private readonly CountingWriter _writer = new();

        public WireCounts Counts { get; private set; }

        public void Encode(IProtocolMessage message, IBufferWriter<byte> output)
        {
            _writer.Inner = output;
            _writer.Written = 0;
            _inner.Encode(message, _writer);
            var bytes = _writer.Written;
            var c = Counts;
            c = message switch
            {
                VoteRequest => c with { Requests = c.Requests + 1, RequestBytes = c.RequestBytes + bytes, VoteRequests = c.VoteRequests + 1 },
                AppendRequest a => c with
                {
                    Requests = c.Requests + 1,
                    RequestBytes = c.RequestBytes + bytes,
                    AppendRequests = c.AppendRequests + 1,
                    EntryPayloadBytes = c.EntryPayloadBytes + a.Entries.Sum(e => (long)e.Data.Length),
                },
                Heartbeat => c with { Requests = c.Requests + 1, RequestBytes = c.RequestBytes + bytes, Heartbeats = c.Heartbeats + 1 },
                InstallSnapshot => c with { Requests = c.Requests + 1, RequestBytes = c.RequestBytes + bytes, Snapshots = c.Snapshots + 1 },
                TimeoutNow or ReadIndexRequest => c with { Requests = c.Requests + 1, RequestBytes = c.RequestBytes + bytes },
                AppendResponse { Success: false } => c with { Replies = c.Replies + 1, ReplyBytes = c.ReplyBytes + bytes, AppendRejections = c.AppendRejections + 1 },
                RaftMessage => c with { Replies = c.Replies + 1, ReplyBytes = c.ReplyBytes + bytes },
                _ => c with { Requests = c.Requests + 1, RequestBytes = c.RequestBytes + bytes },
            };
            Counts = c;
        }

        public IProtocolMessage Decode(ReadOnlySpan<byte> input) => _inner.Decode(input);
    }

    private sealed class CountingWriter : IBufferWriter<byte>
    {
        public IBufferWriter<byte> Inner { get; set; } = null!;

        public long Written { get; set; }

        public void Advance(int count)
        {
            Inner.Advance(count);
            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Inner.GetSpan(sizeHint);
    }
}

/// <summary>
/// Messages sent, split into RPC requests (AppendEntries, heartbeats, RequestVote and pre-vote, InstallSnapshot, TimeoutNow,
/// ReadIndex) and replies. An RPC in labrpc is a request with its reply, so "RPCs" below means <see cref="Requests"/>.
/// </summary>
internal readonly record struct WireCounts(
    long Requests,
    long Replies,
    long RequestBytes,
    long ReplyBytes,
    long VoteRequests,
    long AppendRequests,
    long Heartbeats,
    long Snapshots,
    long AppendRejections,
    long EntryPayloadBytes)
{
    public long Bytes => RequestBytes + ReplyBytes;

    public static WireCounts operator -(WireCounts a, WireCounts b) => new(
        a.Requests - b.Requests, a.Replies - b.Replies, a.RequestBytes - b.RequestBytes, a.ReplyBytes - b.ReplyBytes,
        a.VoteRequests - b.VoteRequests, a.AppendRequests - b.AppendRequests, a.Heartbeats - b.Heartbeats,
        a.Snapshots - b.Snapshots, a.AppendRejections - b.AppendRejections, a.EntryPayloadBytes - b.EntryPayloadBytes);
}
