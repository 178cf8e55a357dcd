using System.Collections.Concurrent;
using System.Threading.Channels;
using Kernel.Sdk.Messaging;
using Microsoft.Extensions.Logging;

namespace Kernel.Host.Messaging;

/// <summary>
/// Typed topics over System.Threading.Channels: each subscriber has its own bounded channel and loop, so a slow
/// subscriber slows its publishers (backpressure) and never loses a message silently.
/// </summary>
internal sealed class MessageBus : IAsyncDisposable
{
    private readonly ConcurrentDictionary<object, ConcurrentDictionary<Subscription, byte>> _topics = new();
    private readonly ILogger _logger;

    public MessageBus(ILogger<MessageBus> logger) => _logger = logger;

    /// <summary>How many subscriptions are live, per owner; used to prove unload removes them.</summary>
    public int CountOwnedBy(string owner) =>
        _topics.Values.SelectMany(s => s.Keys).Count(s => s.Owner == owner);

    public async ValueTask PublishAsync<T>(Topic<T> topic, T message, CancellationToken cancellationToken)
    {
        if (!_topics.TryGetValue(topic, out var subs))
        {
            return;
        }

        foreach (var sub in subs.Keys)
        {
            if (sub is Subscription<T> typed)
            {
                await typed.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public IAsyncDisposable Subscribe<T>(string owner, Topic<T> topic, Func<T, CancellationToken, ValueTask> handler, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subs = _topics.GetOrAdd(topic, _ => new ConcurrentDictionary<Subscription, byte>());
        var sub = new Subscription<T>(this, owner, topic, handler, capacity, _logger);
        subs[sub] = 0;
        return sub;
    }

    /// <summary>Ends every subscription an owner made (a plugin being unloaded).</summary>
    public async ValueTask RemoveOwnerAsync(string owner)
    {
        foreach (var sub in _topics.Values.SelectMany(s => s.Keys).Where(s => s.Owner == owner).ToArray())
        {
            await sub.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sub in _topics.Values.SelectMany(s => s.Keys).ToArray())
        {
            await sub.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Remove(object topic, Subscription sub)
    {
        if (_topics.TryGetValue(topic, out var subs))
        {
            subs.TryRemove(sub, out _);
        }
    }

    private abstract class Subscription : IAsyncDisposable
    {
        public abstract string Owner { get; }

        public abstract ValueTask DisposeAsync();
    }

    private sealed class Subscription<T> : Subscription
    {
        private readonly MessageBus _bus;
        private readonly Topic<T> _topic;
        private readonly Channel<T> _channel;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private Func<T, CancellationToken, ValueTask>? _handler;
        private int _disposed;

        public Subscription(MessageBus bus, string owner, Topic<T> topic, Func<T, CancellationToken, ValueTask> handler, int capacity, ILogger logger)
        {
            _bus = bus;
            Owner = owner;
            _topic = topic;
            _handler = handler;
            _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
            });
            _loop = Task.Run(() => RunAsync(logger));
        }

        public override string Owner { get; }

        public ValueTask WriteAsync(T message, CancellationToken cancellationToken) =>
            _channel.Writer.WriteAsync(message, cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _bus.Remove(_topic, this);
            _channel.Writer.TryComplete();
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The loop ends by cancellation when disposed while a handler runs.
            }

            _handler = null; // drop the reference into the subscriber's code (a plugin's load context)
            _stop.Dispose();
        }

        private async Task RunAsync(ILogger logger)
        {
            await foreach (var message in _channel.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                var handler = _handler;
                if (handler is null)
                {
                    return;
                }

                try
                {
                    await handler(message, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Subscriber of {Owner} failed on topic {Topic}; the message was delivered and the subscription goes on", Owner, _topic.Name);
                }
            }
        }
    }
}
