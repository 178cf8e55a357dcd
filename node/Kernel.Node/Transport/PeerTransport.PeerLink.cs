using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;

using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

using Kernel.Node.Runtime;
using Kernel.Node.Transport.Protocol;
using Kernel.Sdk.Cluster;
using Microsoft.Extensions.Logging;

namespace Kernel.Node.Transport;

internal sealed partial class PeerTransport
{
    /// <summary>
    /// The stream this member dials to one peer: connected (and re-connected, with backoff) through the resilience
    /// pipeline, authenticated both ways, then fed from a bounded queue of encoded messages; forwarded proposals share it
    /// and their answers come back on it.
    /// </summary>
    internal sealed partial class PeerLink : IDisposable
    {
        private const int MaxBatchMessages = 256;
        private const int MaxBatchBytes = 1 << 20;

        private readonly PeerTransport _transport;
        private readonly NodeId _node;
        private readonly MemberInfo _member;
        private readonly ILogger _logger;
        private readonly GrpcChannel _channel;
        private readonly Peer.PeerClient _client;
        private readonly Channel<ByteString> _queue;
        private readonly ConcurrentDictionary<ulong, TaskCompletionSource<ForwardOutcome>> _forwards = new();
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private volatile AsyncDuplexStreamingCall<PeerFrame, PeerFrame>? _connected;
        private TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously); // completed while connected
        private long _forwardSeq;
        private long _queuedBytes;
        private bool _wasConnected;

        public PeerLink(PeerTransport transport, NodeId node, MemberInfo member, ILogger logger)
        {
            _transport = transport;
            _node = node;
            _member = member;
            _logger = logger;
            var url = member.PeerUrls[0];
            var handler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                ConnectTimeout = transport._options.ConnectTimeout,
            };
            if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                handler.SslOptions = ClientTls(transport._options);
            }

            // No message size limit between members: a snapshot travels in one message (gRPC's default would stop it at 4 MB).
            _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
            {
                HttpHandler = handler,
                LoggerFactory = transport._loggers,
                MaxReceiveMessageSize = null,
                MaxSendMessageSize = null,
            });
            _client = new Peer.PeerClient(_channel);
            _queue = Channel.CreateBounded<ByteString>(
                new BoundedChannelOptions(transport._options.QueueCapacity)
                {
                    SingleReader = true,
                    SingleWriter = true,
                    FullMode = BoundedChannelFullMode.DropOldest,
                },
                dropped => Interlocked.Add(ref _queuedBytes, -dropped.Length));
        }

        public bool IsConnected => _connected is not null;

        /// <summary>
        /// Queues an encoded message while the stream is up (the oldest goes when the queue is full, in messages or in
        /// bytes); drops it while the peer is unreachable, as etcd does: the protocol sends again what still matters, and
        /// a member down for long never costs memory here.
        /// (True when queued.)
        /// </summary>
        public bool Enqueue(ByteString message)
        {
            if (_connected is null || Interlocked.Read(ref _queuedBytes) + message.Length > _transport._options.QueueBytes)
            {
                return false;
            }

            Interlocked.Add(ref _queuedBytes, message.Length);
            if (!_queue.Writer.TryWrite(message))
            {
                Interlocked.Add(ref _queuedBytes, -message.Length);
                return false;
            }

            return true;
        }

        /// <summary>The peer's member name.</summary>
        public string Name => _member.Name;

        /// <summary>
        /// Hands an envelope to the peer over the stream, waiting for the stream (while this member reconnects) within
        /// <paramref name="cancellationToken"/>: rejected when it never came up (nothing was sent), unknown once sent.
        /// </summary>
        public async Task<ForwardOutcome> ForwardAsync(ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
        {
            AsyncDuplexStreamingCall<PeerFrame, PeerFrame>? call;
            while ((call = _connected) is null)
            {
                try
                {
                    await Volatile.Read(ref _up).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    throw new ProposalRejectedException(RejectionReason.NoLeader, $"etcdserver: the leader ({_member.Name}) is unreachable");
                }
            }

            var id = (ulong)Interlocked.Increment(ref _forwardSeq);
            var done = new TaskCompletionSource<ForwardOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            _forwards[id] = done;
            try
            {
                await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await call.RequestStream.WriteAsync(new PeerFrame { Forward = new Forward { RequestId = id, Envelope = ByteString.CopyFrom(envelope.Span) } }, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }

                return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new ProposalOutcomeUnknownException("etcdserver: request timed out forwarding to the leader");
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                throw new ProposalOutcomeUnknownException("etcdserver: the stream to the leader broke: " + ex.Message);
            }
            finally
            {
                _forwards.TryRemove(id, out _);
            }
        }

        /// <summary>Connects, streams until the stream breaks, and again, until <paramref name="stop"/>.</summary>
        public async Task RunAsync(CancellationToken stop)
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                AsyncDuplexStreamingCall<PeerFrame, PeerFrame>? call = null;
                try
                {
                    call = await _transport._pipeline.ExecuteAsync(
                        async (link, token) => await link.ConnectAsync(token, stop).ConfigureAwait(false),
                        this,
                        stop).ConfigureAwait(false);
                    _connected = call;
                    _wasConnected = true;
                    Volatile.Read(ref _up).TrySetResult();
                    Log.Connected(_logger, _transport._cluster.SelfMember.Name, _member.Name, _member.PeerUrls[0]);
                    await StreamAsync(call, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    if (_wasConnected && !stop.IsCancellationRequested)
                    {
                        Log.Lost(_logger, _transport._cluster.SelfMember.Name, _member.Name, ex.Message);
                        _wasConnected = false;
                    }
                }
                finally
                {
                    _connected = null;
                    if (Volatile.Read(ref _up).Task.IsCompleted)
                    {
                        Volatile.Write(ref _up, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    }

                    while (_queue.Reader.TryRead(out var stale))
                    {
                        Interlocked.Add(ref _queuedBytes, -stale.Length);
                    }

                    foreach (var forward in _forwards.Values)
                    {
                        forward.TrySetException(new ProposalOutcomeUnknownException("etcdserver: the stream to the leader broke"));
                    }

                    call?.Dispose();
                }

                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _transport._time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        /// <summary>One attempt: open the stream and run both challenges within <paramref name="attempt"/>; the stream lives until <paramref name="stop"/>.</summary>
        private async ValueTask<AsyncDuplexStreamingCall<PeerFrame, PeerFrame>> ConnectAsync(CancellationToken attempt, CancellationToken stop)
        {
            var cluster = _transport._cluster;
            var options = _transport._options;
            var self = cluster.SelfMember.Id;
            var call = _client.Connect(cancellationToken: stop);
            try
            {
                var nonce = PeerAuthentication.Nonce();
                await call.RequestStream.WriteAsync(new PeerFrame { Hello = new Hello { ClusterId = cluster.ClusterId, FromMember = self, ToMember = _member.Id, Nonce = ByteString.CopyFrom(nonce) } }, attempt).ConfigureAwait(false);
                if (!await call.ResponseStream.MoveNext(attempt).ConfigureAwait(false) || call.ResponseStream.Current.Challenge is not { } challenge)
                {
                    throw new IOException($"peer {_member.Name} closed the stream before its challenge");
                }

                var expected = PeerAuthentication.Proof(options.Token, PeerAuthentication.Role.Acceptor, cluster.ClusterId, self, _member.Id, nonce, challenge.Nonce.Span);
                if (!PeerAuthentication.Verify(challenge.Proof.Span, expected))
                {
                    // Say no explicitly (an empty proof) so the acceptor logs the refusal too; never prove to an unauthenticated peer.
                    await call.RequestStream.WriteAsync(new PeerFrame { Proof = new Proof() }, attempt).ConfigureAwait(false);
                    Log.PeerTokenWrong(_logger, cluster.SelfMember.Name, _member.Name, _member.PeerUrls[0]);
                    throw new PeerAuthenticationException($"peer {_member.Name} failed authentication: wrong cluster token");
                }

                var proof = PeerAuthentication.Proof(options.Token, PeerAuthentication.Role.Dialler, cluster.ClusterId, self, _member.Id, nonce, challenge.Nonce.Span);
                await call.RequestStream.WriteAsync(new PeerFrame { Proof = new Proof { Proof_ = ByteString.CopyFrom(proof) } }, attempt).ConfigureAwait(false);
                if (!await call.ResponseStream.MoveNext(attempt).ConfigureAwait(false) || call.ResponseStream.Current.Welcome is null)
                {
                    throw new IOException($"peer {_member.Name} closed the stream after the challenge");
                }

                return call;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                call.Dispose();
                Log.RefusedByPeer(_logger, cluster.SelfMember.Name, _member.Name, ex.Status.Detail);
                throw new PeerAuthenticationException($"peer {_member.Name} refused this member: {ex.Status.Detail}");
            }
            catch
            {
                call.Dispose();
                throw;
            }
        }

        /// <summary>Writes queued messages and reads forward answers until either side of the stream ends (always throws).</summary>
        private async Task StreamAsync(AsyncDuplexStreamingCall<PeerFrame, PeerFrame> call, CancellationToken stop)
        {
            using var broken = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var reading = ReadAsync(call, broken);
            var writing = WriteAsync(call, broken.Token);
            var pinging = PingAsync(call, broken.Token);
            var first = await Task.WhenAny(reading, writing, pinging).ConfigureAwait(false);
            await broken.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(reading, writing, pinging).ConfigureAwait(false);
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                // the stream is broken either way: the reason is the first half's
            }

            stop.ThrowIfCancellationRequested();
            var reason = first.Exception?.GetBaseException().Message ?? "the peer closed it";
            throw new IOException(reason);
        }

        private async Task ReadAsync(AsyncDuplexStreamingCall<PeerFrame, PeerFrame> call, CancellationTokenSource broken)
        {
            try
            {
                while (await call.ResponseStream.MoveNext(broken.Token).ConfigureAwait(false))
                {
                    if (call.ResponseStream.Current.Pong is { } pong)
                    {
                        _transport._metrics.RoundTrip(_member.Name, (long)pong.Sent);
                    }
                    else if (call.ResponseStream.Current.ForwardResult is { } result && _forwards.TryRemove(result.RequestId, out var done))
                    {
                        done.TrySetResult(result.Status switch
                        {
                            ForwardResult.Types.Status.Accepted => ForwardOutcome.Taken(result.Index, result.Term),
                            ForwardResult.Types.Status.TooManyRequests => ForwardOutcome.Rejected(RejectionReason.TooManyRequests, result.Reason),
                            ForwardResult.Types.Status.Stopped => ForwardOutcome.Rejected(RejectionReason.Stopped, result.Reason),
                            _ => ForwardOutcome.Rejected(RejectionReason.NoLeader, result.Reason),
                        });
                    }
                }
            }
            finally
            {
                await broken.CancelAsync().ConfigureAwait(false);
            }
        }

        private async Task WriteAsync(AsyncDuplexStreamingCall<PeerFrame, PeerFrame> call, CancellationToken token)
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                var batch = new Messages();
                var bytes = 0;
                while (batch.Items.Count < MaxBatchMessages && bytes < MaxBatchBytes && reader.TryRead(out var item))
                {
                    batch.Items.Add(item);
                    bytes += item.Length;
                }

                Interlocked.Add(ref _queuedBytes, -bytes);

                await _writeLock.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    await call.RequestStream.WriteAsync(new PeerFrame { Messages = batch }, token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }

        /// <summary>Sends a ping every <see cref="PeerTransportOptions.PingInterval"/> while the stream is up (the peer's pong is timed in <see cref="ReadAsync"/>).</summary>
        private async Task PingAsync(AsyncDuplexStreamingCall<PeerFrame, PeerFrame> call, CancellationToken token)
        {
            var interval = _transport._options.PingInterval;
            if (interval <= TimeSpan.Zero)
            {
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                return;
            }

            while (true)
            {
                await _writeLock.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    await call.RequestStream.WriteAsync(new PeerFrame { Ping = new Ping { Sent = (ulong)Stopwatch.GetTimestamp() } }, token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }

                await Task.Delay(interval, _transport._time, token).ConfigureAwait(false);
            }
        }

        public void Dispose()
        {
            _channel.Dispose();
            _writeLock.Dispose();
        }

        private static SslClientAuthenticationOptions ClientTls(PeerTransportOptions options)
        {
            var tls = new SslClientAuthenticationOptions();
            if (options.ClientCertificate is { } certificate)
            {
                tls.ClientCertificates = [certificate];
            }

            if (options.TrustedPeerCertificates is { } trusted)
            {
                tls.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                    cert is X509Certificate2 peer
                    && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                    && PeerTls.ChainsTo(peer, trusted);
            }

            return tls;
        }

        private static partial class Log
        {
            [LoggerMessage(20, LogLevel.Information, "Member {Member} connected to peer {Peer} at {Url}")]
            public static partial void Connected(ILogger logger, string member, string peer, string url);

            [LoggerMessage(21, LogLevel.Warning, "Member {Member} lost its stream to peer {Peer}: {Reason}")]
            public static partial void Lost(ILogger logger, string member, string peer, string reason);

            [LoggerMessage(22, LogLevel.Error, "Member {Member} refused peer {Peer} at {Url}: it failed authentication (wrong cluster token)")]
            public static partial void PeerTokenWrong(ILogger logger, string member, string peer, string url);

            [LoggerMessage(23, LogLevel.Error, "Member {Member} was refused by peer {Peer}: {Detail}")]
            public static partial void RefusedByPeer(ILogger logger, string member, string peer, string detail);
        }
    }
}
