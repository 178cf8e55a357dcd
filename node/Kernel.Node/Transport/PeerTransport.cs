using System.Buffers;

using Google.Protobuf;
using Grpc.Core;

using Kernel.Node.Runtime;
using Kernel.Node.Transport.Protocol;
using Kernel.Sdk.Cluster;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;
using Polly.Retry;

namespace Kernel.Node.Transport;

/// <summary>
/// gRPC between the members of a cluster: one long-lived stream to each peer (dialled by this member, <see cref="PeerLink"/>)
/// carrying this member's consensus messages and forwarded proposals, and the streams peers dial in (<see cref="AcceptAsync"/>).
/// Both ends of a stream prove the cluster token at connect; the acceptor stamps every message it receives with the
/// authenticated peer: a message whose <see cref="IProtocolMessage.From"/> is another node is dropped before the runtime.
/// Messages are encoded by the strategy's codec on the member's loop and queued without blocking it.
/// </summary>
internal sealed partial class PeerTransport : IPeerNetwork, IAsyncDisposable
{
    private readonly ClusterMap _cluster;
    private readonly IMessageCodec _codec;
    private readonly PeerTransportOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly PeerMetrics _metrics;
    private readonly Dictionary<NodeId, PeerLink> _links = [];
    private readonly ArrayBufferWriter<byte> _encoded = new(1 << 12);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private IPeerInbox? _inbox;
    private long _dropped;

    /// <summary>Creates the transport; <see cref="Start"/> dials the peers.</summary>
    /// <param name="cluster">The members.</param>
    /// <param name="codec">The strategy's codec.</param>
    /// <param name="options">Token, timeouts, TLS.</param>
    /// <param name="pipelines">The kernel's pipelines, when it has any: the one named <see cref="PeerTransportOptions.PipelineName"/> connects.</param>
    /// <param name="time">The clock of retries and timeouts.</param>
    /// <param name="loggers">Where the transport logs.</param>
    public PeerTransport(ClusterMap cluster, IMessageCodec codec, PeerTransportOptions options, ResiliencePipelineProvider<string>? pipelines, TimeProvider time, ILoggerFactory loggers)
    {
        _cluster = cluster;
        _codec = codec;
        _options = options;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Kernel.Node.Transport");
        _metrics = new PeerMetrics(cluster.SelfMember.Name);
        _pipeline = pipelines is not null && pipelines.TryGetPipeline(options.PipelineName, out var named) ? named : DefaultPipeline(options, time);
        foreach (var peer in _cluster.Peers)
        {
            _links[peer] = new PeerLink(this, peer, _cluster.MemberOf(peer)!, loggers.CreateLogger("Kernel.Node.Transport.PeerLink"));
        }
    }

    /// <summary>Messages received from a peer that claimed another sender, or that did not decode (dropped).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>True when the stream to <paramref name="peer"/> is authenticated and open.</summary>
    public bool IsConnected(NodeId peer) => _links.TryGetValue(peer, out var link) && link.IsConnected;

    /// <summary>Polly's defaults for a peer connection: retry for ever with exponential backoff and jitter (100 ms to 1 s), each attempt under a timeout.</summary>
    internal static ResiliencePipeline DefaultPipeline(PeerTransportOptions options, TimeProvider time) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(1),
            })
            .AddTimeout(options.ConnectTimeout)
            .Build();

    /// <summary>Dials every peer; what peers send goes to <paramref name="inbox"/>.</summary>
    public void Start(IPeerInbox inbox)
    {
        _inbox = inbox;
        foreach (var link in _links.Values)
        {
            _running.Add(link.RunAsync(_stop.Token));
        }
    }

    /// <inheritdoc />
    public void Send(IProtocolMessage message)
    {
        if (!_links.TryGetValue(message.To, out var link))
        {
            return;
        }

        _encoded.ResetWrittenCount();
        _codec.Encode(message, _encoded);
        if (link.Enqueue(ByteString.CopyFrom(_encoded.WrittenSpan)))
        {
            _metrics.Sent(link.Name, _encoded.WrittenCount);
        }
    }

    /// <inheritdoc />
    public Task<ForwardOutcome> ForwardAsync(NodeId leader, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken) =>
        _links.TryGetValue(leader, out var link)
            ? link.ForwardAsync(envelope, cancellationToken)
            : Task.FromException<ForwardOutcome>(new ProposalRejectedException(RejectionReason.NoLeader, "etcdserver: the leader is not a known member"));

    /// <summary>Closes every stream.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        foreach (var link in _links.Values)
        {
            link.Dispose();
        }

        _stop.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Serves a stream a peer dialled: the challenge, then its messages and forwarded proposals until it ends.</summary>
    internal async Task AcceptAsync(IAsyncStreamReader<PeerFrame> requests, IServerStreamWriter<PeerFrame> responses, ServerCallContext context)
    {
        var inbox = _inbox ?? throw new RpcException(new Status(StatusCode.Unavailable, "the member is starting"));
        var self = _cluster.SelfMember.Id;
        NodeId from;
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken))
        {
            handshake.CancelAfter(_options.ConnectTimeout);
            if (!await requests.MoveNext(handshake.Token).ConfigureAwait(false) || requests.Current.Hello is not { } hello)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "a peer stream starts with hello"));
            }

            from = _cluster.NodeOf(hello.FromMember);
            if (from.IsNone || from == _cluster.Self || hello.ToMember != self)
            {
                Log.RefusedUnknown(_logger, _cluster.SelfMember.Name, hello.FromMember, hello.ToMember, context.Peer);
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"member {hello.FromMember:x16} is not a member of this cluster or this is not member {hello.ToMember:x16}"));
            }

            var name = _cluster.MemberOf(from)!.Name;
            var nonce = PeerAuthentication.Nonce();
            var diallerNonce = hello.Nonce.Span;
            var proof = PeerAuthentication.Proof(_options.Token, PeerAuthentication.Role.Acceptor, _cluster.ClusterId, hello.FromMember, self, diallerNonce, nonce);
            await responses.WriteAsync(new PeerFrame { Challenge = new Challenge { Nonce = ByteString.CopyFrom(nonce), Proof = ByteString.CopyFrom(proof) } }, handshake.Token).ConfigureAwait(false);
            if (!await requests.MoveNext(handshake.Token).ConfigureAwait(false) || requests.Current.Proof is not { } answer)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "the peer did not answer the challenge"));
            }

            var expected = PeerAuthentication.Proof(_options.Token, PeerAuthentication.Role.Dialler, _cluster.ClusterId, hello.FromMember, self, hello.Nonce.Span, nonce);
            if (!PeerAuthentication.Verify(answer.Proof_.Span, expected))
            {
                Log.RefusedToken(_logger, _cluster.SelfMember.Name, name, context.Peer);
                throw new RpcException(new Status(StatusCode.PermissionDenied, "peer authentication failed: wrong cluster token"));
            }

            await responses.WriteAsync(new PeerFrame { Welcome = new Welcome() }, handshake.Token).ConfigureAwait(false);
            Log.Accepted(_logger, _cluster.SelfMember.Name, name, context.Peer);
        }

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stop.Token);
        var token = ended.Token;
        using var writeLock = new SemaphoreSlim(1, 1);
        var answers = new List<Task>();
        try
        {
            while (await requests.MoveNext(token).ConfigureAwait(false))
            {
                var frame = requests.Current;
                if (frame.Messages is { } messages)
                {
                    foreach (var item in messages.Items)
                    {
                        IProtocolMessage message;
                        try
                        {
                            message = _codec.Decode(item.Span);
                        }
                        catch (FormatException ex)
                        {
                            Interlocked.Increment(ref _dropped);
                            Log.Malformed(_logger, _cluster.SelfMember.Name, from.ToString(), ex.Message);
                            continue;
                        }

                        if (message.From != from || message.To != _cluster.Self)
                        {
                            Interlocked.Increment(ref _dropped); // the transport stamps the sender
                            continue;
                        }

                        await inbox.DeliverAsync(message, token).ConfigureAwait(false);
                    }
                }
                else if (frame.Ping is { } ping)
                {
                    answers.RemoveAll(t => t.IsCompleted);
                    answers.Add(AnswerPingAsync(ping, responses, writeLock, token));
                }
                else if (frame.Forward is { } forward)
                {
                    answers.RemoveAll(t => t.IsCompleted);
                    answers.Add(AnswerForwardAsync(inbox, forward, responses, writeLock, token));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the peer went away or this member stops
        }

        await Task.WhenAll(answers).ConfigureAwait(false);
    }

    private static async Task AnswerPingAsync(Ping ping, IServerStreamWriter<PeerFrame> responses, SemaphoreSlim writeLock, CancellationToken token)
    {
        try
        {
            await writeLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                await responses.WriteAsync(new PeerFrame { Pong = new Pong { Sent = ping.Sent } }, token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The stream ended.
        }
    }

    private static async Task AnswerForwardAsync(IPeerInbox inbox, Forward forward, IServerStreamWriter<PeerFrame> responses, SemaphoreSlim writeLock, CancellationToken token)
    {
        try
        {
            var outcome = await inbox.AcceptForwardedAsync(forward.Envelope.Memory, token).ConfigureAwait(false);
            var result = new ForwardResult
            {
                RequestId = forward.RequestId,
                Index = outcome.Index,
                Term = outcome.Term,
                Reason = outcome.Reason ?? string.Empty,
                Status = outcome.Rejection switch
                {
                    null => ForwardResult.Types.Status.Accepted,
                    RejectionReason.TooManyRequests => ForwardResult.Types.Status.TooManyRequests,
                    RejectionReason.Stopped => ForwardResult.Types.Status.Stopped,
                    _ => ForwardResult.Types.Status.NoLeader,
                },
            };
            await writeLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                await responses.WriteAsync(new PeerFrame { ForwardResult = result }, token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The stream ended: the follower fails the forward as unknown.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Warning, "Member {Member} refused a peer stream from {Peer}: member {From:x16} is unknown or the stream is for {To:x16}")]
        public static partial void RefusedUnknown(ILogger logger, string member, ulong from, ulong to, string peer);

        [LoggerMessage(11, LogLevel.Error, "Member {Member} refused peer {Name} ({Peer}): wrong cluster token")]
        public static partial void RefusedToken(ILogger logger, string member, string name, string peer);

        [LoggerMessage(12, LogLevel.Information, "Member {Member} accepted the stream of peer {Name} ({Peer})")]
        public static partial void Accepted(ILogger logger, string member, string name, string peer);

        [LoggerMessage(13, LogLevel.Warning, "Member {Member} dropped a malformed message from {From}: {Error}")]
        public static partial void Malformed(ILogger logger, string member, string from, string error);
    }
}
