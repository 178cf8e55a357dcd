namespace Kernel.Sdk.Messaging;

/// <summary>
/// A typed topic on the kernel's message bus. Two topics are the same when their names and message types are.
/// </summary>
/// <typeparam name="T">The message type. Share only types from the SDK or the framework across plugins.</typeparam>
/// <param name="Name">The topic's name, for example <c>consensus.leader-changed</c>.</param>
public sealed record Topic<T>(string Name);

/// <summary>
/// The kernel's message bus: typed topics over bounded channels, one channel per subscriber. A publisher waits
/// (backpressure) when a subscriber's channel is full; nothing is dropped silently.
/// </summary>
public interface IMessageBus
{
    /// <summary>Publishes a message to every current subscriber of the topic, waiting while a subscriber's buffer is full.</summary>
    ValueTask PublishAsync<T>(Topic<T> topic, T message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to a topic. The handler runs on its own loop, one message at a time, in publish order.
    /// Disposing the subscription (or unloading the plugin that made it) ends it.
    /// </summary>
    IAsyncDisposable Subscribe<T>(Topic<T> topic, Func<T, CancellationToken, ValueTask> handler, int capacity = 256);
}
